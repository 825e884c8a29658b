/* Causal attention of one head in bf16 with AVX512-BF16: FlashAttention-2's loop (Dao 2023, Algorithm 1) on the CPU,
   optionally with a per-distance bias (ALiBi, KERPLE) or a second rotation inside a window (ReRoPE, Leaky ReRoPE,
   Self-Extend: bojone's rerope_patch, scores from the near rotation where i - j < w).
   Scores and the online softmax in fp32, held in registers a 4 x 64 tile at a time and never written out; the
   probabilities are rounded to bf16 for the product with V (as FlashAttention-2 does); the output accumulates in fp32
   and is rounded once. Why native: libtorch's CPU ops write every score to memory and read it back for the softmax and
   again for the product with V, and .NET has no avx512_bf16 intrinsics. Built by src/Build/NativeKernels.targets;
   NativeCausalAttention.cs calls it and falls back to libtorch's ops where the library or the CPU's avx512_bf16 is
   missing. */
#include <cpuid.h>
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 64  /* query rows and keys per tile */
#define ROWS 4    /* query rows per micro-tile: their 4 x 64 fp32 scores fill 16 of the 32 zmm registers */
_Static_assert(ROWS == 4, "a micro-tile's row maxima are updated as one __m128");
#define KERNEL __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,fma")))
#define INLINE static inline __attribute__((always_inline))

/* 1 where the CPU has AVX512F, AVX512BW and AVX512_BF16 (the OS's support for zmm state is checked by the caller). */
int eval_bf16_attention_supported(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 16)) || !(b & (1u << 30))) return 0;
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return 0;
    return (a >> 5) & 1;
}

/* 2^t, 0 where t < -126 (masked keys arrive as -inf): 2^round(t) x a degree-6 polynomial of the rest, |rest| <= 1/2
   (Taylor's remainder ~1.2e-7 relative, below the bf16 rounding of every probability that follows). */
KERNEL INLINE __m512 exp2_ps(__m512 t)
{
    __mmask16 live = _mm512_cmp_ps_mask(t, _mm512_set1_ps(-126.0f), _CMP_GE_OQ);
    __m512 n = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 f = _mm512_maskz_sub_ps(live, t, n);
    __m512 p = _mm512_set1_ps(1.5403530e-4f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.3333558e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.6181291e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.5504109e-2f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.4022651e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.9314718e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
    return _mm512_maskz_scalef_ps(live, p, n);
}

/* Per-thread scratch, kept between calls (a fresh allocation per head faulted its pages in every time). */
static __thread void *scratch;
static __thread size_t scratch_bytes;

static void *scratch_of(size_t bytes)
{
    if (bytes <= scratch_bytes) return scratch;
    free(scratch);
    scratch = aligned_alloc(64, (bytes + 63) / 64 * 64);
    scratch_bytes = scratch ? bytes : 0;
    return scratch;
}

/* Keys as vdpbf16ps operands: per block of 64 keys and per pair of dims p, 64 dwords (key, dims 2p and 2p + 1).
   Rows past T are zeros. */
static void pack_keys(const uint16_t *k, long ks, long T, long padded, long hd, uint32_t *kp)
{
    long pairs = hd / 2;
    for (long j = 0; j < padded; j++)
    {
        uint32_t *dst = kp + (j / BLOCK) * pairs * BLOCK + j % BLOCK;
        for (long p = 0; p < pairs; p++) dst[p * BLOCK] = j < T ? ((const uint32_t *)(k + j * ks))[p] : 0;
    }
}

/* Values as vdpbf16ps operands: per pair of keys and per dim, one dword (keys 2i and 2i + 1 at that dim). */
static void pack_values(const uint16_t *v, long vs, long T, long padded, long hd, uint32_t *vp)
{
    for (long j = 0; j < padded; j += 2)
        for (long d = 0; d < hd; d++)
        {
            uint32_t lo = j < T ? v[j * vs + d] : 0, hi = j + 1 < T ? v[(j + 1) * vs + d] : 0;
            vp[(j / 2) * hd + d] = lo | hi << 16;
        }
}

/* Query rows i0 .. i0 + 63 as dword pairs, zeros past T. */
static void copy_queries(const uint16_t *q, long qs, long i0, long rows, long hd, uint32_t *qb)
{
    memset(qb, 0, (size_t)BLOCK * hd * 2);
    for (long r = 0; r < rows; r++) memcpy(qb + r * (hd / 2), q + (i0 + r) * qs, hd * 2);
}

/* Scores of ROWS query rows (dword pairs, `pairs` a row) against one packed block of 64 keys: s[r][c] holds keys
   16c .. 16c + 15 of row r. */
KERNEL INLINE void score_tile(const uint32_t *q, long pairs, const uint32_t *kp, __m512 s[ROWS][4])
{
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < 4; c++) s[r][c] = _mm512_setzero_ps();
    for (long p = 0; p < pairs; p++)
    {
        __m512bh k0 = (__m512bh)_mm512_load_si512(kp + p * BLOCK), k1 = (__m512bh)_mm512_load_si512(kp + p * BLOCK + 16),
                 k2 = (__m512bh)_mm512_load_si512(kp + p * BLOCK + 32), k3 = (__m512bh)_mm512_load_si512(kp + p * BLOCK + 48);
        for (int r = 0; r < ROWS; r++)
        {
            __m512bh qr = (__m512bh)_mm512_set1_epi32((int)q[r * pairs + p]);
            s[r][0] = _mm512_dpbf16_ps(s[r][0], qr, k0);
            s[r][1] = _mm512_dpbf16_ps(s[r][1], qr, k1);
            s[r][2] = _mm512_dpbf16_ps(s[r][2], qr, k2);
            s[r][3] = _mm512_dpbf16_ps(s[r][3], qr, k3);
        }
    }
}

/* o[r] = o[r] x alpha[r] + P[r] V over the tile's 64 keys, for `width` x 16 dims starting at dim d0 (width <= 4,
   a constant after inlining, so the accumulators stay in registers). */
KERNEL INLINE void accumulate_values(float *o, long hd, long d0, int width, const uint32_t *p, const uint32_t *vp,
                                     const float alpha[ROWS])
{
    __m512 acc[ROWS][4];
    for (int r = 0; r < ROWS; r++)
        for (int z = 0; z < width; z++) acc[r][z] = _mm512_mul_ps(_mm512_load_ps(o + r * hd + d0 + 16 * z), _mm512_set1_ps(alpha[r]));
    for (int jp = 0; jp < BLOCK / 2; jp++)
    {
        __m512bh vz[4];
        for (int z = 0; z < width; z++) vz[z] = (__m512bh)_mm512_load_si512(vp + jp * hd + d0 + 16 * z);
        for (int r = 0; r < ROWS; r++)
        {
            __m512bh pr = (__m512bh)_mm512_set1_epi32((int)p[r * (BLOCK / 2) + jp]);
            for (int z = 0; z < width; z++) acc[r][z] = _mm512_dpbf16_ps(acc[r][z], pr, vz[z]);
        }
    }
    for (int r = 0; r < ROWS; r++)
        for (int z = 0; z < width; z++) _mm512_store_ps(o + r * hd + d0 + 16 * z, acc[r][z]);
}

/* The scores of ROWS query rows (block rows r0 ..) against key block j0 as the caller asks for them: the rotation given
   (far, or the only one), or with a near rotation the near one for pairs at i - j < window, where a tile mixes the two
   its far scores are parked in `far` (ROWS x 64 fp32) while the near ones are computed. */
KERNEL INLINE void tile_scores(const uint32_t *qb, const uint32_t *kblock, const uint32_t *near_qb, const uint32_t *near_kblock,
                               long window, long pairs, long i0, long r0, long j0, float *far, __m512 s[ROWS][4])
{
    long largest = i0 + r0 + ROWS - 1 - j0, smallest = i0 + r0 - (j0 + BLOCK - 1);   /* of i - j in the tile */
    if (!near_qb || smallest >= window) { score_tile(qb + r0 * pairs, pairs, kblock, s); return; }
    if (largest < window) { score_tile(near_qb + r0 * pairs, pairs, near_kblock, s); return; }
    score_tile(qb + r0 * pairs, pairs, kblock, s);
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < 4; c++) _mm512_store_ps(far + r * BLOCK + 16 * c, s[r][c]);
    score_tile(near_qb + r0 * pairs, pairs, near_kblock, s);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < 4; c++)
        {
            __m512i distance = _mm512_sub_epi32(_mm512_set1_epi32((int)(i0 + r0 + r - j0 - 16 * c)), lane);
            __mmask16 beyond = _mm512_cmpge_epi32_mask(distance, _mm512_set1_epi32((int)window));
            s[r][c] = _mm512_mask_mov_ps(s[r][c], beyond, _mm512_load_ps(far + r * BLOCK + 16 * c));
        }
}

/* Bump allocation in the thread's scratch, 64-byte aligned. */
static char *take(char **cursor, size_t bytes)
{
    char *p = *cursor;
    *cursor += (bytes + 63) / 64 * 64;
    return p;
}

/* One head: q, k, v, out are T rows of hd bf16 each, `*s` elements apart (even, hd a multiple of 16); query i attends
   keys j <= i with score scale x q.k, plus bias[i - j] where `bias` (T floats) is given, or, where `near_q` and
   `near_k` are given, scale x near_q.near_k for pairs at i - j < window. Returns 0, or -1 for invalid sizes, -2 when
   scratch memory is refused. */
KERNEL int eval_bf16_causal_attention(const uint16_t *q, long qs, const uint16_t *k, long ks, const uint16_t *v, long vs,
                                      uint16_t *out, long os, long T, long hd, float scale, const float *bias,
                                      const uint16_t *near_q, long nqs, const uint16_t *near_k, long nks, long window)
{
    if (T <= 0 || hd <= 0 || hd % 16 || hd > 512 || qs % 2 || ks % 2 || qs < hd || ks < hd || vs < hd || os < hd) return -1;
    int dual = near_q != NULL;
    if (dual && (!near_k || nqs % 2 || nks % 2 || nqs < hd || nks < hd || window < 1 || bias)) return -1;
    long pairs = hd / 2, padded = (T + BLOCK - 1) / BLOCK * BLOCK;
    size_t kv_bytes = (size_t)padded * hd * 2, q_bytes = (size_t)BLOCK * hd * 2;
    size_t bias_count = bias ? (size_t)(padded + 2 * BLOCK) : 0;
    size_t total = (dual ? 3 : 2) * kv_bytes + (dual ? 2 : 1) * q_bytes + (size_t)BLOCK * hd * 4 + (size_t)BLOCK * 64
                 + (size_t)ROWS * BLOCK * 2 + BLOCK * sizeof(float) + ROWS * BLOCK * sizeof(float) + bias_count * sizeof(float)
                 + 20 * 64;   /* room for take()'s rounding of each part up to 64 bytes */
    char *cursor = scratch_of(total);
    if (!cursor) return -2;
    uint32_t *kp = (uint32_t *)take(&cursor, kv_bytes), *vp = (uint32_t *)take(&cursor, kv_bytes);
    uint32_t *qb = (uint32_t *)take(&cursor, q_bytes);
    uint32_t *near_kp = dual ? (uint32_t *)take(&cursor, kv_bytes) : NULL, *near_qb = dual ? (uint32_t *)take(&cursor, q_bytes) : NULL;
    float *o = (float *)take(&cursor, (size_t)BLOCK * hd * 4);                       /* output rows, fp32 */
    __m512 *sums = (__m512 *)take(&cursor, (size_t)BLOCK * 64);                      /* per row: 16 partial sums */
    uint32_t *pb = (uint32_t *)take(&cursor, (size_t)ROWS * BLOCK * 2);              /* ROWS x 64 probabilities, bf16 */
    float *maxima = (float *)take(&cursor, BLOCK * sizeof(float));
    float *far = (float *)take(&cursor, ROWS * BLOCK * sizeof(float));
    /* bias by distance, reversed so that a row's keys read it forwards: row i, key j at reversed[BLOCK + T - 1 - i + j];
       keys past the row (masked) and rows past T read zeros. */
    float *reversed = bias ? (float *)take(&cursor, bias_count * sizeof(float)) : NULL;
    if (bias)
        for (long x = 0; x < (long)bias_count; x++)
            reversed[x] = x >= BLOCK && x - BLOCK < T ? bias[T - 1 - (x - BLOCK)] : 0.0f;
    pack_keys(k, ks, T, padded, hd, kp);
    pack_values(v, vs, T, padded, hd, vp);
    if (dual) pack_keys(near_k, nks, T, padded, hd, near_kp);

    const float log2e = 1.44269504f;   /* e^x = 2^(x log2 e) */
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (long i0 = 0; i0 < T; i0 += BLOCK)
    {
        long rows = T - i0 < BLOCK ? T - i0 : BLOCK;
        copy_queries(q, qs, i0, rows, hd, qb);
        if (dual) copy_queries(near_q, nqs, i0, rows, hd, near_qb);
        memset(o, 0, (size_t)BLOCK * hd * 4);
        for (long r = 0; r < BLOCK; r++) { sums[r] = _mm512_setzero_ps(); maxima[r] = -INFINITY; }

        for (long j0 = 0; j0 <= i0; j0 += BLOCK)           /* key blocks up to the diagonal one (j0 == i0) */
        {
            const uint32_t *kblock = kp + (j0 / BLOCK) * pairs * BLOCK, *vblock = vp + (j0 / 2) * hd;
            const uint32_t *near_kblock = dual ? near_kp + (j0 / BLOCK) * pairs * BLOCK : NULL;
            for (long r0 = 0; r0 < BLOCK; r0 += ROWS)
            {
                __m512 s[ROWS][4];
                float alpha[ROWS], tile_max[ROWS];
                tile_scores(qb, kblock, near_qb, near_kblock, window, pairs, i0, r0, j0, far, s);
                for (int r = 0; r < ROWS; r++)
                {
                    const float *row_bias = bias ? reversed + BLOCK + T - 1 - (i0 + r0 + r) + j0 : NULL;
                    for (int cc = 0; cc < 4; cc++)
                        s[r][cc] = row_bias ? _mm512_fmadd_ps(s[r][cc], _mm512_set1_ps(scale), _mm512_loadu_ps(row_bias + 16 * cc))
                                            : _mm512_mul_ps(s[r][cc], _mm512_set1_ps(scale));
                    if (j0 == i0)                           /* key 16cc + lane > row r0 + r: masked */
                        for (int cc = 0; cc < 4; cc++)
                        {
                            __mmask16 future = _mm512_cmpgt_epi32_mask(_mm512_add_epi32(lane, _mm512_set1_epi32(16 * cc)), _mm512_set1_epi32((int)(r0 + r)));
                            s[r][cc] = _mm512_mask_mov_ps(s[r][cc], future, _mm512_set1_ps(-INFINITY));
                        }
                    tile_max[r] = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(s[r][0], s[r][1]), _mm512_max_ps(s[r][2], s[r][3])));
                }
                /* the rows' new maxima and their old sums' and outputs' rescaling, 2^((old - new) log2 e), the 4 rows at once
                   (a scalar exp2f per row took 9% of the kernel's time); 0 on the first block, where the old maximum is -inf */
                __m128 previous = _mm_loadu_ps(maxima + r0), now = _mm_max_ps(previous, _mm_loadu_ps(tile_max));
                _mm_storeu_ps(maxima + r0, now);
                _mm_storeu_ps(alpha, _mm512_castps512_ps128(exp2_ps(_mm512_zextps128_ps512(_mm_mul_ps(_mm_sub_ps(previous, now), _mm_set1_ps(log2e))))));
                for (int r = 0; r < ROWS; r++)
                {
                    __m512 cm = _mm512_set1_ps(maxima[r0 + r] * log2e), cv = _mm512_set1_ps(log2e);
                    __m512 p0 = exp2_ps(_mm512_fmsub_ps(s[r][0], cv, cm)), p1 = exp2_ps(_mm512_fmsub_ps(s[r][1], cv, cm));
                    __m512 p2 = exp2_ps(_mm512_fmsub_ps(s[r][2], cv, cm)), p3 = exp2_ps(_mm512_fmsub_ps(s[r][3], cv, cm));
                    sums[r0 + r] = _mm512_fmadd_ps(sums[r0 + r], _mm512_set1_ps(alpha[r]),
                                                   _mm512_add_ps(_mm512_add_ps(p0, p1), _mm512_add_ps(p2, p3)));
                    _mm512_store_si512(pb + r * (BLOCK / 2), (__m512i)_mm512_cvtne2ps_pbh(p1, p0));
                    _mm512_store_si512(pb + r * (BLOCK / 2) + 16, (__m512i)_mm512_cvtne2ps_pbh(p3, p2));
                }
                float *orows = o + r0 * hd;
                long d0 = 0;
                for (; d0 + 64 <= hd; d0 += 64) accumulate_values(orows, hd, d0, 4, pb, vblock, alpha);
                switch ((hd - d0) / 16)
                {
                    case 3: accumulate_values(orows, hd, d0, 3, pb, vblock, alpha); break;
                    case 2: accumulate_values(orows, hd, d0, 2, pb, vblock, alpha); break;
                    case 1: accumulate_values(orows, hd, d0, 1, pb, vblock, alpha); break;
                }
            }
        }
        for (long r = 0; r < rows; r++)
        {
            __m512 inverse = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sums[r]));
            for (long d = 0; d < hd; d += 16)
                _mm256_storeu_si256((__m256i *)(out + (i0 + r) * os + d), (__m256i)_mm512_cvtneps_pbh(_mm512_mul_ps(_mm512_load_ps(o + r * hd + d), inverse)));
        }
    }
    return 0;
}
