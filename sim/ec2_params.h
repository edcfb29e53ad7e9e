/* ec2_params: the parameter names each EC2 action served by amiwiz-sim
 * accepts, as the Query API spells them on the wire (version 2016-11-15).
 *
 * Real EC2 refuses a request that carries a parameter its action does not
 * have (400 UnknownParameter, "The parameter X is not recognized"), so a
 * client sending, say, ClientToken with RegisterImage fails there; the sim
 * must fail it too.  List members are numbered from 1 on the wire
 * (Filter.1.Value.2); the table writes each number as N. */
#ifndef AMIWIZ_SIM_EC2_PARAMS_H
#define AMIWIZ_SIM_EC2_PARAMS_H

#include <stdbool.h>

#include "sim/query.h"

/* Whether `action` is one the table knows. */
bool ec2_params_known_action(const char *action);

/* The first parameter of `q` that `action` does not accept (common
 * parameters such as Action, Version, DryRun and the SigV4 query
 * authentication ones are accepted everywhere), or NULL when all are
 * accepted or the action is not in the table.  The pointer lives as long
 * as `q`. */
const char *ec2_params_unknown(const char *action, const struct query *q);

#endif
