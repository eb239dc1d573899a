/* Input scaling of a training run: the training set's statistics, x / 255, or
 * given constants, turned into the per-channel mean and std (0..255 units)
 * that the normalize_u8 op applies. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/train.h"

/* A comma-separated list of finite numbers ("0.49,0.48,0.45") into v; the count. */
static int parse_list(const char *text, const char *end, float *v)
{
    int n = 0;
    const char *p = text;
    for (;;) {
        char *stop;
        errno = 0;
        double x = strtod(p, &stop);
        if (stop == p || stop > end || errno || !isfinite(x) || n == CLCNN_MAX_INPUT_CHANNELS)
            return 0;
        v[n++] = (float)x;
        if (stop == end)
            return n;
        if (*stop != ',')
            return 0;
        p = stop + 1;
    }
}

clcnn_status clcnn_input_scaling_parse(const char *text, clcnn_train_config *cfg)
{
    if (strcmp(text, "data") == 0 || strcmp(text, "unit") == 0) {
        cfg->input = text[0] == 'd' ? CLCNN_INPUT_DATA : CLCNN_INPUT_UNIT;
        cfg->input_values = 0;
        return CLCNN_OK;
    }
    const char *colon = strchr(text, ':');
    float mean[CLCNN_MAX_INPUT_CHANNELS], std[CLCNN_MAX_INPUT_CHANNELS];
    int n_mean = colon ? parse_list(text, colon, mean) : 0;
    int n_std = colon ? parse_list(colon + 1, colon + 1 + strlen(colon + 1), std) : 0;
    if (!n_mean || n_mean != n_std)
        return clcnn_fail(CLCNN_ERR_ARG, "input scaling '%s': expected data, unit or MEAN:STD "
                          "(0..1 units; per channel M1,M2,M3:S1,S2,S3, at most %d)", text,
                          CLCNN_MAX_INPUT_CHANNELS);
    for (int c = 0; c < n_std; c++)
        if (!(std[c] > 0))
            return clcnn_fail(CLCNN_ERR_ARG, "input scaling '%s': a std must be positive", text);
    cfg->input = CLCNN_INPUT_CONSTANTS;
    cfg->input_values = n_mean;
    memcpy(cfg->input_mean, mean, sizeof(float) * (size_t)n_mean);
    memcpy(cfg->input_std, std, sizeof(float) * (size_t)n_std);
    return CLCNN_OK;
}

void clcnn_input_scaling_format(const clcnn_train_config *cfg, char *buf, size_t size)
{
    if (cfg->input != CLCNN_INPUT_CONSTANTS) {
        snprintf(buf, size, "%s", cfg->input == CLCNN_INPUT_UNIT ? "unit" : "data");
        return;
    }
    size_t len = 0;
    for (int pass = 0; pass < 2; pass++) {
        const float *v = pass ? cfg->input_std : cfg->input_mean;
        for (int c = 0; c < cfg->input_values && len < size; c++) {
            int n = snprintf(buf + len, size - len, "%s%g", c ? "," : pass ? ":" : "",
                             (double)v[c]);
            len += n > 0 ? (size_t)n : 0;
        }
    }
}

clcnn_status clcnn_input_scaling_apply(const clcnn_train_config *cfg, int channels, float *mean,
                                       float *std)
{
    if (cfg->input == CLCNN_INPUT_DATA)
        return CLCNN_OK;
    if (cfg->input == CLCNN_INPUT_CONSTANTS && cfg->input_values != 1 &&
        cfg->input_values != channels)
        return clcnn_fail(CLCNN_ERR_ARG, "input scaling: %d constants for images of %d channels "
                          "(give one, or one per channel)", cfg->input_values, channels);
    for (int c = 0; c < channels; c++) {
        if (cfg->input == CLCNN_INPUT_UNIT) {
            mean[c] = 0.0f;
            std[c] = 255.0f;
        } else {
            int k = cfg->input_values == 1 ? 0 : c;
            mean[c] = 255.0f * cfg->input_mean[k];
            std[c] = 255.0f * cfg->input_std[k];
        }
    }
    return CLCNN_OK;
}

/* A channel whose std is below this (a constant channel) is divided by 1. */
#define MIN_STD 1e-3

clcnn_status clcnn_input_scaling_values(const clcnn_train_config *cfg, const clcnn_dataset *train,
                                        float *mean, float *std)
{
    const int C = train->channels;
    double *m = malloc(sizeof(double) * C), *s = malloc(sizeof(double) * C);
    clcnn_status st = CLCNN_OK;
    if (!m || !s)
        st = clcnn_fail(CLCNN_ERR_NOMEM, "normalization statistics: out of memory");
    if (st == CLCNN_OK)
        st = clcnn_dataset_channel_stats(train, m, s);
    for (int c = 0; st == CLCNN_OK && c < C; c++) {
        mean[c] = (float)m[c];
        std[c] = (float)(s[c] < MIN_STD ? 1.0 : s[c]);
    }
    if (st == CLCNN_OK) /* x / 255 or given constants replace the data's statistics */
        st = clcnn_input_scaling_apply(cfg, C, mean, std);
    free(m);
    free(s);
    return st;
}
