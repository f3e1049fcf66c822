/* The version of Rumah SAE Sync programs. */
#ifndef SAE_VERSION_H
#define SAE_VERSION_H

#define SAE_VERSION_STRING "0.1.0"

#endif
