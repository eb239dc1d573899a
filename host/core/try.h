/* The library's one "return on error" shorthand (not installed). */
#ifndef CLCNN_CORE_TRY_H
#define CLCNN_CORE_TRY_H

#include "clcnn/status.h"

/* Evaluate expr (a clcnn_status) and return it from the enclosing function
 * when it is not CLCNN_OK. */
#define CLCNN_TRY(expr)                                                                           \
    do {                                                                                          \
        clcnn_status clcnn_try_status_ = (expr);                                                  \
        if (clcnn_try_status_ != CLCNN_OK)                                                        \
            return clcnn_try_status_;                                                             \
    } while (0)

#endif
