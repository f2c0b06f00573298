/*
 * The ctiflow sub-commands. Each takes the arguments after its own name
 * (argv[0] is the command name) and returns the process exit code.
 */
#ifndef CTIFLOW_CLI_COMMANDS_H
#define CTIFLOW_CLI_COMMANDS_H

int cf_cmd_convert(int argc, char **argv);
int cf_cmd_profiles(int argc, char **argv);
int cf_cmd_run(int argc, char **argv);
int cf_cmd_feeds(int argc, char **argv);
int cf_cmd_check(int argc, char **argv);
int cf_cmd_daemon(int argc, char **argv);
int cf_cmd_lookup(int argc, char **argv);
int cf_cmd_report(int argc, char **argv);
int cf_cmd_serve(int argc, char **argv);

/* Shared by the run commands (cli/check.c, cli/run.c). */
#include <stdbool.h>
#include "ctiflow/config.h"
#include "ctiflow/run.h"
/* Load and validate a configuration, problems on stderr; NULL when invalid. */
cf_config *cf_cli_load_config(const char *path);
/* Parse run/daemon options; 0 ok, -1 help, else an exit code. *feeds is malloc'd. */
int cf_cli_run_options(int argc, char **argv, const char **config, cf_run_opts *o,
                       const char ***feeds, bool allow_feeds);

/* Shared by lookup and report (cli/lookup.c): open the correlation database
 * (--db, or <state_dir>/correlation.db of config) and the galaxy; 0 or 2. */
struct cf_corr;
struct cf_galaxy;
int cf_cli_corr_setup(const char *config, const char *db, const char *galaxy,
                      struct cf_corr **corr, struct cf_galaxy **gal);

#endif
