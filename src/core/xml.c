/* xml.c - libxml2 initialised once (see xml.h). */
#include "xml.h"

#include <libxml/parser.h>
#include <pthread.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void) { xmlInitParser(); }

void bp_xml_init(void) { pthread_once(&once, init); }
