/* commands.h - the entry points of iamctl's commands. Each takes the
 * arguments after its name's parent (argv[0] is the command's own name),
 * prints its own errors, and returns the process exit status (util.h). */
#ifndef IAMCTL_COMMANDS_H
#define IAMCTL_COMMANDS_H

int cli_cmd_policy_eval(int argc, char **argv);
int cli_cmd_policy_test(int argc, char **argv);
int cli_cmd_policy_validate(int argc, char **argv);
int cli_cmd_configure(int argc, char **argv);

#endif /* IAMCTL_COMMANDS_H */
