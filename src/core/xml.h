/* xml.h - libxml2 made ready once per process, for every reader that parses
 * XML with it (fonts.conf), from any thread. The image module
 * (image_module.c), which checks SVGs with libxml2, does its own. */
#ifndef BP_XML_H
#define BP_XML_H

/** Initialises libxml2's parser once (thread-safe; later calls return at
 * once). libxml2 2.9 wants xmlInitParser before parsing in more than one
 * thread, as batch does. */
void bp_xml_init(void);

#endif
