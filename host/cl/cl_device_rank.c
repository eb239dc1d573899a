/* The default device: the best of the list, and a few words on why it won.
 * Pure functions over clcnn_device_info, so that made-up lists test them. */
#include <stdio.h>
#include <string.h>

#include "cl/cl_runtime.h"

/* Devices that simulate or rasterize in software on the CPU, by the names
 * their drivers give them: Oclgrind (a simulator, ~1000x slower than PoCL),
 * Mesa's llvmpipe and softpipe, Google's SwiftShader. */
static const char *const software_names[] = {"oclgrind", "llvmpipe", "softpipe", "swiftshader"};

int clcnn_device_is_software(const clcnn_device_info *d)
{
    for (size_t i = 0; i < sizeof software_names / sizeof software_names[0]; i++)
        if (clcnn_cl_contains_ignoring_case(d->name, software_names[i]) ||
            clcnn_cl_contains_ignoring_case(d->vendor, software_names[i]) ||
            clcnn_cl_contains_ignoring_case(d->platform, software_names[i]))
            return 1;
    return 0;
}

/* Device classes, best first. */
enum { CLASS_DISCRETE_GPU, CLASS_INTEGRATED_GPU, CLASS_HARDWARE, CLASS_SOFTWARE };

static int device_class(const clcnn_device_info *d)
{
    if (clcnn_device_is_software(d))
        return CLASS_SOFTWARE;
    if (d->is_gpu)
        return d->host_unified_memory ? CLASS_INTEGRATED_GPU : CLASS_DISCRETE_GPU;
    return CLASS_HARDWARE;
}

static double throughput(const clcnn_device_info *d)
{
    return (double)d->compute_units * (double)(d->clock_mhz ? d->clock_mhz : 1);
}

/* The first rule on which a and b differ, as a comparison: < 0 when a is
 * better. Rules: a passed (or unchecked) device before one whose last check
 * failed, then the class, then compute units x clock, then the list order. */
enum { RULE_CHECK, RULE_CLASS, RULE_THROUGHPUT, RULE_ORDER };

static int compare(const clcnn_device_info *a, const clcnn_device_info *b, int *rule)
{
    *rule = RULE_CHECK;
    if (a->check_failed != b->check_failed)
        return a->check_failed ? 1 : -1;
    *rule = RULE_CLASS;
    int ca = device_class(a), cb = device_class(b);
    if (ca != cb)
        return ca < cb ? -1 : 1;
    *rule = RULE_THROUGHPUT;
    double ta = throughput(a), tb = throughput(b);
    if (ta != tb)
        return ta > tb ? -1 : 1;
    *rule = RULE_ORDER;
    return a->index < b->index ? -1 : a->index > b->index;
}

int clcnn_device_default(const clcnn_device_info *devices, int count)
{
    int best = count > 0 ? 0 : -1, rule;
    for (int i = 1; i < count; i++)
        if (compare(&devices[i], &devices[best], &rule) < 0)
            best = i;
    return best;
}

static const char *const class_words[] = {"a discrete GPU", "an integrated GPU",
                                          "a hardware device", "a software device"};

void clcnn_device_default_reason(const clcnn_device_info *devices, int count, char *out,
                                 size_t size)
{
    int best = clcnn_device_default(devices, count);
    if (best < 0) {
        snprintf(out, size, "no device");
        return;
    }
    const clcnn_device_info *w = &devices[best];
    if (count == 1) {
        snprintf(out, size, "the only device");
        return;
    }
    if (w->check_failed) {
        snprintf(out, size, "every device failed its last check");
        return;
    }
    /* The runner-up, and the rule that put the winner before it. */
    int second = best == 0 ? 1 : 0, rule;
    for (int i = 0; i < count; i++)
        if (i != best && compare(&devices[i], &devices[second], &rule) < 0)
            second = i;
    const clcnn_device_info *r = &devices[second];
    compare(w, r, &rule);
    switch (rule) {
    case RULE_CHECK:
        snprintf(out, size, "device %d failed its last check", r->index);
        break;
    case RULE_CLASS:
        snprintf(out, size, "%s, before %s (device %d)", class_words[device_class(w)],
                 class_words[device_class(r)], r->index);
        break;
    case RULE_THROUGHPUT:
        snprintf(out, size, "most compute units x clock: %u x %u MHz (device %d: %u x %u MHz)",
                 w->compute_units, w->clock_mhz, r->index, r->compute_units, r->clock_mhz);
        break;
    default:
        snprintf(out, size, "listed first among equals");
        break;
    }
}
