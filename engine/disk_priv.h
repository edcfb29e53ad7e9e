/* disk internals reachable from the unit tests only */
#ifndef AMIWIZ_ENGINE_DISK_PRIV_H
#define AMIWIZ_ENGINE_DISK_PRIV_H

#include "engine/disk.h"

#ifdef AMIWIZ_UNITTESTS
void disk_random_uuid(char out[DISK_UUID_LEN]);
void disk_parted_quiet(void);
#endif

#endif
