/*
 * The ctiflow sub-commands. Each takes the arguments after its own name
 * (argv[0] is the command name) and returns the process exit code.
 */
#ifndef CTIFLOW_CLI_COMMANDS_H
#define CTIFLOW_CLI_COMMANDS_H

int cf_cmd_convert(int argc, char **argv);
int cf_cmd_profiles(int argc, char **argv);

#endif
