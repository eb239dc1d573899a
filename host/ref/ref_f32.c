/* The "ref" backend: the reference ops instantiated with real = float. */
#define REF_FN(name) ref_f32_##name
#define REF_OPS ref_f32_ops
typedef float real;

#include "ref/ref_all.inc"
