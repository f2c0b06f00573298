/*
 * ctiflow: the command-line entry point. Dispatches to one sub-command;
 * every command's usage is in README.md and `ctiflow help`.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"convert", cf_cmd_convert, "convert feed files between formats"},
    {"profiles", cf_cmd_profiles, "list the built-in feed profiles"},
    {"run", cf_cmd_run, "fetch the due feeds, store and publish once"},
    {"daemon", cf_cmd_daemon, "keep running the feeds on their intervals"},
    {"feeds", cf_cmd_feeds, "list the configured feeds with their status"},
    {"check", cf_cmd_check, "validate a run configuration"},
    {"lookup", cf_cmd_lookup, "what is known about a value: feeds, actors, correlations"},
    {"report", cf_cmd_report, "attribution reports by actor, sponsor, or feed overlap"},
    {"serve", cf_cmd_serve, "serve the store as a read-only TAXII 2.1 server"},
};

static void main_usage(FILE *out)
{
    fprintf(out, "usage: ctiflow COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "\n`ctiflow COMMAND --help` describes one command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        main_usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        main_usage(stdout);
        return 0;
    }
    if (strcmp(name, "version") == 0 || strcmp(name, "--version") == 0) {
        printf("ctiflow %s\n", CTIFLOW_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(name, commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "ctiflow: error: unknown command '%s'\n", name);
    main_usage(stderr);
    return 2;
}
