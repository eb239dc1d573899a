/* Seeded random numbers: xoshiro256** (Blackman and Vigna), seeded through
 * splitmix64. The whole state is four words, saved in checkpoints as is. */
#include "clcnn/data.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void clcnn_rng_seed(clcnn_rng *rng, uint64_t seed)
{
    /* splitmix64 never yields four zero words, the one state xoshiro must avoid. */
    for (int i = 0; i < 4; ++i)
        rng->s[i] = splitmix64(&seed);
}

uint64_t clcnn_rng_next(clcnn_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint32_t clcnn_rng_below(clcnn_rng *rng, uint32_t bound)
{
    /* Lemire's multiply-and-reject: unbiased for every bound. */
    uint64_t product = (clcnn_rng_next(rng) >> 32) * bound;
    uint32_t low = (uint32_t)product;
    if (low < bound) {
        uint32_t threshold = (uint32_t)(-bound) % bound;
        while (low < threshold) {
            product = (clcnn_rng_next(rng) >> 32) * bound;
            low = (uint32_t)product;
        }
    }
    return (uint32_t)(product >> 32);
}

double clcnn_rng_uniform(clcnn_rng *rng)
{
    return (double)(clcnn_rng_next(rng) >> 11) * 0x1.0p-53;
}

clcnn_rng clcnn_rng_fork(const clcnn_rng *base, uint64_t stream)
{
    /* Hash the base state and the stream number into one seed. */
    uint64_t x = stream;
    uint64_t h = splitmix64(&x);
    for (int i = 0; i < 4; ++i) {
        x = h ^ base->s[i];
        h = splitmix64(&x);
    }
    clcnn_rng fork;
    clcnn_rng_seed(&fork, h);
    return fork;
}
