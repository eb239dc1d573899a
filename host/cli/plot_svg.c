/* Drawing training curves as SVG (see plot.h): a loss and an accuracy panel
 * side by side, the learning rate in a smaller panel below, a legend on top.
 * Plain SVG 1.1 (no scripts, no CSS), so browsers, README renderers and
 * rsvg-convert show the same picture. */
#include <math.h>
#include <string.h>

#include "cli/plot.h"

#define WIDTH 960
#define HEIGHT 740
#define GRID "#e4e4e4"
#define INK "#333333"

static const char *const colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                      "#9467bd", "#8c564b", "#e377c2", "#17becf"};
#define N_COLOURS (int)(sizeof colours / sizeof colours[0])

const char *plot_run_colour(int i)
{
    return colours[i % N_COLOURS];
}

/* A panel: its box in the picture and the data range it shows. */
typedef struct panel {
    const char *id, *title, *y_label;
    double x, y, w, h;       /* plot area in pixels */
    double x_max, x_step;    /* iterations 0 .. x_max */
    double y_max, y_step;    /* values 0 .. y_max, in the panel's unit */
    double y_scale;          /* data value * y_scale = panel unit (100: percent) */
} panel;

/* 1, 2 or 5 times a power of ten, about range / ticks. */
static double nice_step(double range, int ticks)
{
    double raw = range / ticks, power = pow(10, floor(log10(raw))), f = raw / power;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * power;
}

/* Decimals a tick label of step needs. */
static int decimals(double step)
{
    int d = (int)ceil(-log10(step) - 1e-9);
    return d > 0 ? d : 0;
}

/* The axis 0 .. max rounded up to whole steps of about ticks ticks, steps of
 * at least min_step (1 for iterations). */
static void axis_range(double max, int ticks, double min_step, double *axis_max, double *step)
{
    if (!(max > 0))
        max = 1;
    *step = fmax(nice_step(max, ticks), min_step);
    *axis_max = ceil(max / *step - 1e-9) * *step;
}

static void xml_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out);
        }
    }
}

static double px(const panel *p, double x) { return p->x + x / p->x_max * p->w; }
static double py(const panel *p, double v) { return p->y + p->h - v * p->y_scale / p->y_max * p->h; }

static void draw_frame(FILE *out, const panel *p)
{
    /* curves stay in the area; markers on its edges show whole */
    fprintf(out, "<clipPath id=\"clip-%s\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                 "height=\"%.1f\"/></clipPath>\n", p->id, p->x - 4, p->y - 4, p->w + 8, p->h + 8);
    fprintf(out, "<rect class=\"plot-area\" id=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                 "height=\"%.1f\" fill=\"white\" stroke=\"%s\"/>\n", p->id, p->x, p->y, p->w, p->h,
            INK);
    for (double v = 0; v <= p->y_max * (1 + 1e-9); v += p->y_step) {
        double y = p->y + p->h - v / p->y_max * p->h;
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                p->x, y, p->x + p->w, y, GRID);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"%s\">%.*f</text>\n",
                p->x - 6, y + 4, INK, decimals(p->y_step), v);
    }
    for (double x = 0; x <= p->x_max * (1 + 1e-9); x += p->x_step) {
        double X = px(p, x);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", X,
                p->y, X, p->y + p->h, GRID);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\">%.*f</text>\n",
                X, p->y + p->h + 16, INK, decimals(p->x_step), x);
    }
    fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                 "stroke=\"%s\"/>\n", p->x, p->y, p->w, p->h, INK);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-weight=\"bold\" "
                 "fill=\"%s\">%s</text>\n", p->x + p->w / 2, p->y - 8, INK, p->title);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\">iteration</text>\n",
            p->x + p->w / 2, p->y + p->h + 34, INK);
    fprintf(out, "<text transform=\"translate(%.1f %.1f) rotate(-90)\" text-anchor=\"middle\" "
                 "fill=\"%s\">%s</text>\n", p->x - 52, p->y + p->h / 2, INK, p->y_label);
}

/* Dash patterns of train, validation, test. */
static const char *const dashes[3] = {"", " stroke-dasharray=\"8 4\"", " stroke-dasharray=\"2 3\""};

static void draw_series(FILE *out, const panel *p, const plot_series *s, const char *colour,
                        int style)
{
    if (s->count == 0)
        return;
    fprintf(out, "<g clip-path=\"url(#clip-%s)\">\n", p->id);
    if (s->count > 1) {
        fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", colour,
                dashes[style]);
        for (int i = 0; i < s->count; i++)
            fprintf(out, "%s%.1f,%.1f", i ? " " : "", px(p, s->points[i].x), py(p, s->points[i].y));
        fprintf(out, "\"/>\n");
    }
    if (s->count <= 60 || style == 2) /* markers where points are few (a test point) */
        for (int i = 0; i < s->count; i++)
            fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
                    px(p, s->points[i].x), py(p, s->points[i].y), colour);
    fprintf(out, "</g>\n");
}

static double series_max(const plot_run *runs, int n_runs, int first, int count, int x)
{
    double max = 0;
    for (int r = 0; r < n_runs; r++)
        for (int k = first; k < first + count; k++)
            for (int i = 0; i < runs[r].series[k].count; i++) {
                const plot_point *q = &runs[r].series[k].points[i];
                double v = x ? q->x : q->y;
                if (v > max)
                    max = v;
            }
    return max;
}

static void draw_legend(FILE *out, const plot_run *runs, int n_runs)
{
    static const char *const styles[3] = {"train", "validation", "test"};
    double x = 70, y = 48;
    for (int r = 0; r < n_runs; r++) {
        double width = 48 + 7.0 * (double)strlen(runs[r].label);
        if (x + width > WIDTH - 20 && x > 70) {
            x = 70;
            y += 18;
        }
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                     "stroke-width=\"3\"/>\n<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">", x, y - 4,
                x + 28, y - 4, plot_run_colour(r), x + 34, y, INK);
        xml_text(out, runs[r].label);
        fprintf(out, "</text>\n");
        x += width;
    }
    x = 70;
    y += 20;
    for (int s = 0; s < 3; s++, x += 120)
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                     "stroke-width=\"2\"%s/>\n<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%s</text>\n",
                x, y - 4, x + 28, y - 4, INK, dashes[s], x + 34, y, INK, styles[s]);
}

void plot_svg(FILE *out, const plot_run *runs, int n_runs, const char *title)
{
    panel loss = {"loss", "loss", "loss", 80, 120, 370, 300, 0, 0, 0, 0, 1};
    panel acc = {"accuracy", "accuracy", "accuracy (%)", 570, 120, 370, 300, 0, 0, 100, 20, 100};
    panel lr = {"lr", "learning rate", "learning rate", 80, 510, 860, 150, 0, 0, 0, 0, 1};
    double x_max, x_step;
    axis_range(series_max(runs, n_runs, 0, PLOT_SERIES, 1), 6, 1, &x_max, &x_step);
    loss.x_max = acc.x_max = x_max;
    loss.x_step = acc.x_step = x_step;
    lr.x_max = x_max; /* the same iterations as above, finer ticks */
    lr.x_step = fmax(nice_step(x_max, 12), 1);
    axis_range(series_max(runs, n_runs, PLOT_TRAIN_LOSS, 3, 0), 6, 0, &loss.y_max, &loss.y_step);
    axis_range(series_max(runs, n_runs, PLOT_LR, 1, 0), 4, 0, &lr.y_max, &lr.y_step);

    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
                 "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Arial, "
                 "sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" "
                 "fill=\"white\"/>\n<text x=\"%d\" y=\"24\" text-anchor=\"middle\" "
                 "font-size=\"16\" font-weight=\"bold\" fill=\"%s\">",
            WIDTH, HEIGHT, WIDTH, HEIGHT, WIDTH / 2, INK);
    xml_text(out, title);
    fprintf(out, "</text>\n");
    draw_legend(out, runs, n_runs);
    const panel *panels[3] = {&loss, &acc, &lr};
    for (int i = 0; i < 3; i++)
        draw_frame(out, panels[i]);
    for (int r = 0; r < n_runs; r++) {
        for (int s = 0; s < 3; s++) {
            draw_series(out, &loss, &runs[r].series[PLOT_TRAIN_LOSS + s], plot_run_colour(r), s);
            draw_series(out, &acc, &runs[r].series[PLOT_TRAIN_ACC + s], plot_run_colour(r), s);
        }
        draw_series(out, &lr, &runs[r].series[PLOT_LR], plot_run_colour(r), 0);
    }
    fprintf(out, "</svg>\n");
}
