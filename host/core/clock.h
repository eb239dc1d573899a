/* The library's one monotonic clock (not installed). */
#ifndef CLCNN_CORE_CLOCK_H
#define CLCNN_CORE_CLOCK_H

/* Seconds on CLOCK_MONOTONIC: for durations, never for dates. */
double clcnn_now_seconds(void);

#endif
