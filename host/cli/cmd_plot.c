/* clcnn plot: training curves of one or more `clcnn train --log` files as an
 * SVG picture (plot_log.c reads, plot_svg.c draws). */
#include <stdio.h>
#include <stdlib.h>

#include "clcnn/cache.h"
#include "cli/cli_args.h"
#include "cli/commands.h"
#include "cli/plot.h"

static void help(void)
{
    printf("usage: clcnn plot LOG.jsonl [LOG2.jsonl ...] -o FILE.svg [--title TEXT]\n\n"
           "Draws the JSON Lines logs of `clcnn train --log` as one SVG picture: loss and\n"
           "accuracy against the iteration (training solid, validation dashed, test\n"
           "dotted with markers), one colour per log with a legend, and the learning\n"
           "rate in a smaller panel below. Training points come once per epoch; runs with\n"
           "--eval-every add their evaluations. A malformed log fails with FILE:LINE:\n"
           "reason and nothing is written; the picture is written atomically.\n\n"
           "  -o, --output FILE  the SVG file to write (required)\n"
           "  --title TEXT       the picture's title (default: training curves)\n");
}

/* Read every log, draw, write; 0 on success. */
static int plot(char **logs, int n_logs, const char *output, const char *title)
{
    plot_run *runs = calloc((size_t)n_logs, sizeof *runs);
    int n_read = 0, status = 1;
    clcnn_status st = runs ? CLCNN_OK : clcnn_fail(CLCNN_ERR_NOMEM, "plot: out of memory");
    while (st == CLCNN_OK && n_read < n_logs) {
        st = plot_run_read(logs[n_read], &runs[n_read]);
        n_read += st == CLCNN_OK;
    }
    char *svg = NULL;
    size_t size = 0;
    FILE *out = st == CLCNN_OK ? open_memstream(&svg, &size) : NULL;
    if (st == CLCNN_OK && !out)
        st = clcnn_fail(CLCNN_ERR_NOMEM, "plot: out of memory");
    if (st == CLCNN_OK) {
        plot_svg(out, runs, n_read, title);
        st = fflush(out) == 0 ? clcnn_cache_write_atomic(output, svg, size)
                              : clcnn_fail(CLCNN_ERR_NOMEM, "plot: out of memory");
        fclose(out);
    }
    if (st == CLCNN_OK)
        status = 0;
    else
        fprintf(stderr, "clcnn plot: %s\n", clcnn_last_error());
    for (int i = 0; i < n_read; i++)
        plot_run_free(&runs[i]);
    free(runs);
    free(svg);
    return status;
}

int cmd_plot(int argc, char **argv)
{
    const char *output = NULL, *title = "training curves";
    char **logs = calloc((size_t)argc, sizeof *logs);
    int n_logs = 0;
    cli_parser p;
    cli_parser_init(&p, "plot", argc, argv);
    while (logs && cli_more(&p)) {
        const char *v;
        if (cli_flag(&p, "--help") || cli_flag(&p, "-h")) {
            help();
            free(logs);
            return 0;
        } else if (cli_option(&p, "--output", &v) || cli_option(&p, "-o", &v)) {
            output = v;
        } else if (cli_option(&p, "--title", &v)) {
            title = v;
        } else if (cli_positional(&p, &v)) {
            logs[n_logs++] = (char *)v;
        } else {
            cli_unknown(&p);
        }
    }
    if (!p.failed && n_logs == 0)
        cli_error(&p, "no log files given");
    if (!p.failed && !output)
        cli_error(&p, "-o FILE is required");
    if (!p.failed)
        cli_output_path(&p, "-o", output);
    int status = p.failed || !logs ? 2 : plot(logs, n_logs, output, title);
    free(logs);
    return status;
}
