/* xml.h - libxml2 made ready once per process, for every reader that parses
 * XML (SVG images, fonts.conf, CSL styles and locales), from any thread. */
#ifndef BP_XML_H
#define BP_XML_H

/** Initialises libxml2's parser once (thread-safe; later calls return at
 * once). libxml2 2.9 wants xmlInitParser before parsing in more than one
 * thread, as batch does. */
void bp_xml_init(void);

#endif
