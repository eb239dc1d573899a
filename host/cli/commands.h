/* The commands of the clcnn tool: each is main-like (argc/argv after the
 * command name, argv[0] is the command) and returns the process exit status. */
#ifndef CLCNN_CLI_COMMANDS_H
#define CLCNN_CLI_COMMANDS_H

int cmd_devices(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_gradcheck(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_tune(int argc, char **argv);

#endif
