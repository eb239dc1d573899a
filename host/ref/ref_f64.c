/* The "ref64" backend: the reference ops instantiated with real = double
 * (the gradient checks run on it). */
#define REF_FN(name) ref_f64_##name
#define REF_OPS ref_f64_ops
typedef double real;

#include "ref/ref_all.inc"
