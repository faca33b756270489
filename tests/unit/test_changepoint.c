/* Unit tests for harness/results/changepoint.c: steps found where they are
 * and sized right in seeded synthetic histories, quiet flat series, small
 * steps ignored, bad input, skipped runs and deterministic output. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "changepoint.h"

enum { MAX_RUNS = 40, MAX_REPS = 5, MAX_STEPS = 8 };

/* ---- synthetic histories ------------------------------------------------------
 * Run i's true level is 100 times the product of the step ratios at or
 * before i. Each run draws a lognormal factor exp(run_noise * N(0,1)) (the
 * run-to-run noise of a shared machine) and an optional slow factor; its
 * 3 to 5 repetitions each add exp(rep_noise * N(0,1)). */

typedef struct history {
    double values[MAX_RUNS][MAX_REPS];
    const double *samples[MAX_RUNS];
    size_t nsamples[MAX_RUNS];
    size_t nruns;
} history;

typedef struct shape {
    size_t nruns;
    size_t step_at[2];     /* 0: no step */
    double step_ratio[2];
    double run_noise, rep_noise;
    size_t slow_run;       /* a run 2x slower; SIZE_MAX: none */
} shape;

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double uniform01(uint64_t *rng)
{
    return ((double)(splitmix64(rng) >> 11) + 0.5) / 9007199254740992.0; /* (0, 1) */
}

static double normal(uint64_t *rng)
{
    double u = uniform01(rng), v = uniform01(rng);
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static void make_history(history *h, const shape *s, uint64_t seed)
{
    uint64_t rng = seed * 0x2545f4914f6cdd1dULL + 1;
    memset(h, 0, sizeof *h);
    h->nruns = s->nruns;
    double level = 100;
    for (size_t i = 0; i < s->nruns; i++) {
        for (int k = 0; k < 2; k++)
            if (s->step_at[k] && i == s->step_at[k])
                level *= s->step_ratio[k];
        double run = level * exp(s->run_noise * normal(&rng)) * (i == s->slow_run ? 2 : 1);
        h->nsamples[i] = 3 + i % 3;
        for (size_t j = 0; j < h->nsamples[i]; j++)
            h->values[i][j] = run * exp(s->rep_noise * normal(&rng));
        h->samples[i] = h->values[i];
    }
}

static int detect(const history *h, const ipcb_cp_options *o, ipcb_cp_step *steps)
{
    return ipcb_changepoints(h->samples, h->nsamples, h->nruns, o, steps, MAX_STEPS);
}

/* ---- one step -------------------------------------------------------------- */

/* A hit: exactly one step, within one run of where it is, its ratio within
 * tolerance of the true one, p <= alpha and confidence = 1 - p. */
static int is_hit(const ipcb_cp_step *steps, int nsteps, size_t at, double ratio, double tolerance)
{
    if (nsteps != 1)
        return 0;
    const ipcb_cp_step *s = &steps[0];
    return s->at + 1 >= at && s->at <= at + 1 && fabs(s->ratio / ratio - 1) <= tolerance &&
           s->p > 0 && s->p <= 0.01 && s->confidence == 1 - s->p &&
           fabs(s->after / s->before - s->ratio) <= 1e-9 * s->ratio;
}

/* Counts hits over seeds 1..nseeds. */
static int count_hits(const shape *s, size_t nseeds, double tolerance)
{
    ipcb_cp_options o;
    ipcb_cp_defaults(&o);
    int hits = 0;
    for (uint64_t seed = 1; seed <= nseeds; seed++) {
        history h;
        ipcb_cp_step steps[MAX_STEPS];
        make_history(&h, s, seed);
        int n = detect(&h, &o, steps);
        hits += is_hit(steps, n, s->step_at[0], s->step_ratio[0], tolerance);
    }
    return hits;
}

/* 25 % slower from run 10 of 20, 5 % noise between runs, 3 % between
 * repetitions. The ratio's own error is about 1.25 * 5 % * sqrt(2 / 10) =
 * 2.8 % (medians of 10 runs a side), hence the 8 % tolerance. Measured with
 * this generator over seeds 1..200: 196 hits (199 with the step alone at
 * 10 +- 1, 3 of them with the ratio off by more than 8 %), so 19 of 20 are
 * required; seeds 1..20 give 20. With 7 % noise 186 of 200, with 10 % 132:
 * 20 runs with 10 % noise are too few for p <= 0.01 every time. */
static void test_step_up_found_at_its_run(void **state)
{
    (void)state;
    shape s = { 20, { 10, 0 }, { 1.25, 1 }, 0.05, 0.03, SIZE_MAX };
    int hits = count_hits(&s, 20, 0.08);
    print_message("25%% step at 10 of 20: %d of 20 seeds\n", hits);
    assert_true(hits >= 19);

    /* A clean one: no shuffle of 2000 comes near (the chance is
     * 2 / C(20, 10) = 1.1e-5), so p is the smallest possible, 1 / (R + 1). */
    history h;
    ipcb_cp_step steps[MAX_STEPS];
    s.run_noise = 0.01;
    s.rep_noise = 0.01;
    make_history(&h, &s, 1);
    assert_int_equal(detect(&h, NULL, steps), 1);
    assert_int_equal(steps[0].at, 10);
    assert_true(steps[0].p == 1.0 / 2000);
    assert_true(steps[0].confidence == 1 - 1.0 / 2000);
    assert_true(fabs(steps[0].before / 100 - 1) < 0.02 && fabs(steps[0].after / 125 - 1) < 0.02);
}

/* 12 runs, 25 % slower from run 6 (as a real history with few runs). With
 * 6 runs a side even a perfect separation gives p >= about 2 / C(12, 6) =
 * 0.0022, so the noise must be small next to the step. Measured over seeds
 * 1..200: 195 hits at 5 % noise, 149 at 7 %, 75 at 10 %; seeds 1..20 give
 * 20. */
static void test_step_in_short_series(void **state)
{
    (void)state;
    shape s = { 12, { 6, 0 }, { 1.25, 1 }, 0.05, 0.03, SIZE_MAX };
    int hits = count_hits(&s, 20, 0.10);
    print_message("25%% step at 6 of 12: %d of 20 seeds\n", hits);
    assert_true(hits >= 19);

    /* A clean one is found at its run. Its p is not the smallest R allows:
     * a shuffle that keeps the same 6 runs in front is as strong, which
     * happens with probability 2 / 924, so p = (1 + about 4.3) / 2000. */
    history h;
    ipcb_cp_step steps[MAX_STEPS];
    s.run_noise = 0.01;
    s.rep_noise = 0.01;
    make_history(&h, &s, 1);
    assert_int_equal(detect(&h, NULL, steps), 1);
    assert_int_equal(steps[0].at, 6);
    assert_true(fabs(steps[0].ratio - 1.25) < 0.02);
    print_message("clean step at 6 of 12: p %.4f\n", steps[0].p);
    assert_true(steps[0].p >= 1.0 / 2000 && steps[0].p <= 0.005);
}

/* 20 % faster from run 10 of 20: ratio < 1. Measured over seeds 1..200: 197
 * hits (200 with the step alone at 10 +- 1); seeds 1..20 give 20. */
static void test_step_down_found(void **state)
{
    (void)state;
    shape s = { 20, { 10, 0 }, { 0.8, 1 }, 0.05, 0.03, SIZE_MAX };
    int hits = count_hits(&s, 20, 0.08);
    print_message("20%% step down at 10 of 20: %d of 20 seeds\n", hits);
    assert_true(hits >= 19);

    history h;
    ipcb_cp_step steps[MAX_STEPS];
    make_history(&h, &s, 3);
    assert_int_equal(detect(&h, NULL, steps), 1);
    assert_true(steps[0].ratio < 1);
    assert_true(steps[0].after < steps[0].before);
}

/* A 2x regression in the last 4 runs of 20, and a 25 % one in the last 3
 * (the newest regressions, the ones a history is scanned for). Measured over
 * seeds 1..200 at 5 % noise: 196 and 183 hits (3 runs are the fewest
 * allowed); seeds 1..20 give 20 and 17. */
static void test_recent_step_found(void **state)
{
    (void)state;
    shape big = { 20, { 16, 0 }, { 2.0, 1 }, 0.05, 0.03, SIZE_MAX };
    int hits = count_hits(&big, 20, 0.08);
    print_message("2x step at 16 of 20: %d of 20 seeds\n", hits);
    assert_true(hits >= 19);

    shape late = { 20, { 17, 0 }, { 1.25, 1 }, 0.05, 0.03, SIZE_MAX };
    hits = count_hits(&late, 20, 0.10);
    print_message("25%% step at 17 of 20: %d of 20 seeds\n", hits);
    assert_true(hits >= 16);
}

/* ---- flat series ----------------------------------------------------------- */

/* 10 % noise between runs, 20 to 30 runs, every other series with one run
 * 2x slower: nothing to report. A permutation test at alpha = 0.01 raises a
 * false alarm on up to 1 % of flat series, and does here: measured 0.85 to
 * 0.95 % over 20000 series each of 20 and 30 runs, with and without the slow
 * run. These 2000 series give 12 (about 20 expected; the bound is 1.5 %),
 * the first 50 of them none. */
static void test_flat_series_quiet(void **state)
{
    (void)state;
    int alarms = 0, alarms_first50 = 0;
    for (uint64_t seed = 1; seed <= 2000; seed++) {
        size_t nruns = 20 + seed % 11;
        shape s = { nruns, { 0, 0 }, { 1, 1 }, 0.10, 0.03,
                    seed % 2 ? (size_t)(seed * 7 % nruns) : SIZE_MAX };
        history h;
        ipcb_cp_step steps[MAX_STEPS];
        make_history(&h, &s, seed + 5000);
        int n = detect(&h, NULL, steps);
        assert_true(n >= 0);
        alarms += n > 0;
        alarms_first50 += n > 0 && seed <= 50;
    }
    print_message("flat series: %d false alarms in 2000, %d in the first 50\n", alarms,
                  alarms_first50);
    assert_true(alarms <= 30);
    assert_true(alarms_first50 <= 1);
}

/* A flat series of identical or quantised values divides by no zero. */
static void test_constant_series_quiet(void **state)
{
    (void)state;
    history h = { 0 };
    h.nruns = 20;
    for (size_t i = 0; i < h.nruns; i++) {
        h.values[i][0] = h.values[i][1] = i % 5 == 0 ? 6 : 5; /* 5 us, now and then 6 */
        h.samples[i] = h.values[i];
        h.nsamples[i] = 2;
    }
    ipcb_cp_step steps[MAX_STEPS];
    assert_int_equal(detect(&h, NULL, steps), 0);
    for (size_t i = 0; i < h.nruns; i++)
        h.values[i][0] = h.values[i][1] = 5;
    assert_int_equal(detect(&h, NULL, steps), 0);
}

/* ---- several steps, small steps --------------------------------------------- */

/* 25 % up at 8 and again at 16 of 24: both, each with the levels on its own
 * two sides (1 -> 1.25 -> 1.5625). Measured over seeds 1..200 at 5 % noise:
 * both found in 186 (the second split has only 8 runs a side); seeds 1..20
 * give 20. */
static void test_two_steps_found(void **state)
{
    (void)state;
    shape s = { 24, { 8, 16 }, { 1.25, 1.25 }, 0.05, 0.03, SIZE_MAX };
    int both = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        history h;
        ipcb_cp_step steps[MAX_STEPS];
        make_history(&h, &s, seed);
        int n = detect(&h, NULL, steps);
        if (n == 2 && steps[0].at + 1 >= 8 && steps[0].at <= 9 && steps[1].at + 1 >= 16 &&
            steps[1].at <= 17 && fabs(steps[0].ratio / 1.25 - 1) < 0.10 &&
            fabs(steps[1].ratio / 1.25 - 1) < 0.10 && fabs(steps[0].after - steps[1].before) < 1e-9)
            both++;
    }
    print_message("steps at 8 and 16 of 24: both found for %d of 20 seeds\n", both);
    assert_true(both >= 18);
}

/* Only the first maxsteps are written; the count is all of them. */
static void test_maxsteps_limits_output(void **state)
{
    (void)state;
    shape s = { 24, { 8, 16 }, { 1.5, 1.5 }, 0.01, 0.01, SIZE_MAX };
    history h;
    make_history(&h, &s, 1);
    ipcb_cp_step steps[2];
    memset(steps, 0, sizeof steps);
    assert_int_equal(ipcb_changepoints(h.samples, h.nsamples, h.nruns, NULL, steps, 1), 2);
    assert_int_equal(steps[0].at, 8);
    assert_int_equal(steps[1].at, 0); /* untouched */
    assert_int_equal(ipcb_changepoints(h.samples, h.nsamples, h.nruns, NULL, NULL, 0), 2);
}

/* 3 % slower from run 10 with 1 % noise: significant (found with min_step
 * 0) but below the 10 % min_step, so not reported. */
static void test_small_step_not_reported(void **state)
{
    (void)state;
    shape s = { 20, { 10, 0 }, { 1.03, 1 }, 0.01, 0.01, SIZE_MAX };
    history h;
    ipcb_cp_step steps[MAX_STEPS];
    ipcb_cp_options o;
    ipcb_cp_defaults(&o);
    for (uint64_t seed = 1; seed <= 5; seed++) {
        make_history(&h, &s, seed);
        o.min_step = 0;
        assert_int_equal(detect(&h, &o, steps), 1);
        assert_true(steps[0].at + 1 >= 10 && steps[0].at <= 11);
        o.min_step = 0.10;
        assert_int_equal(detect(&h, &o, steps), 0);
    }
}

/* ---- input ------------------------------------------------------------------ */

static void test_bad_input(void **state)
{
    (void)state;
    double v[1] = { 1 };
    const double *samples[1] = { v };
    size_t n1[1] = { 1 }, n0[1] = { 0 };
    const double *null_run[1] = { NULL };
    ipcb_cp_step steps[MAX_STEPS];

    /* an empty series is no error, with or without arrays */
    assert_int_equal(ipcb_changepoints(NULL, NULL, 0, NULL, steps, MAX_STEPS), 0);
    assert_int_equal(ipcb_changepoints(samples, n1, 0, NULL, NULL, 0), 0);
    /* missing arrays */
    assert_int_equal(ipcb_changepoints(NULL, n1, 1, NULL, steps, MAX_STEPS), -1);
    assert_int_equal(ipcb_changepoints(samples, NULL, 1, NULL, steps, MAX_STEPS), -1);
    assert_int_equal(ipcb_changepoints(null_run, n1, 1, NULL, steps, MAX_STEPS), -1);
    assert_int_equal(ipcb_changepoints(samples, n1, 1, NULL, NULL, 1), -1);
    /* a NULL run with no samples is an empty run; one run is too few for a step */
    assert_int_equal(ipcb_changepoints(null_run, n0, 1, NULL, steps, MAX_STEPS), 0);
    assert_int_equal(ipcb_changepoints(samples, n1, 1, NULL, steps, MAX_STEPS), 0);

    /* options */
    ipcb_cp_options o;
    ipcb_cp_defaults(&o);
    assert_int_equal(o.min_segment, 3);
    assert_true(o.alpha == 0.01 && o.min_step == 0.10 && o.permutations == 1999);
    assert_int_equal(ipcb_changepoints(samples, n1, 1, &o, steps, MAX_STEPS), 0);
    o.min_segment = 0;
    assert_int_equal(ipcb_changepoints(samples, n1, 1, &o, steps, MAX_STEPS), -1);
    ipcb_cp_defaults(&o);
    o.alpha = 0;
    assert_int_equal(ipcb_changepoints(samples, n1, 1, &o, steps, MAX_STEPS), -1);
    o.alpha = 1;
    assert_int_equal(ipcb_changepoints(samples, n1, 1, &o, steps, MAX_STEPS), -1);
    o.alpha = NAN;
    assert_int_equal(ipcb_changepoints(samples, n1, 1, &o, steps, MAX_STEPS), -1);
    ipcb_cp_defaults(&o);
    o.min_step = -0.1;
    assert_int_equal(ipcb_changepoints(samples, n1, 1, &o, steps, MAX_STEPS), -1);
    o.min_step = NAN;
    assert_int_equal(ipcb_changepoints(samples, n1, 1, &o, steps, MAX_STEPS), -1);
    ipcb_cp_defaults(&o);
    o.permutations = 98; /* the smallest p would be 1/99 > 0.01 */
    assert_int_equal(ipcb_changepoints(samples, n1, 1, &o, steps, MAX_STEPS), -1);
    o.permutations = 99;
    assert_int_equal(ipcb_changepoints(samples, n1, 1, &o, steps, MAX_STEPS), 0);
}

/* Runs with no usable value are skipped and the step is still reported at
 * the caller's run number; bad values within a run are ignored; one wild
 * repetition does not move its run. */
static void test_skipped_runs_keep_numbers(void **state)
{
    (void)state;
    enum { N = 22 };
    static double values[N][3];
    const double *samples[N];
    size_t nsamples[N];
    uint64_t rng = 7;
    for (size_t i = 0; i < N; i++) {
        double level = i < 12 ? 100 : 130;
        for (size_t j = 0; j < 3; j++)
            values[i][j] = level * exp(0.01 * normal(&rng));
        samples[i] = values[i];
        nsamples[i] = 3;
    }
    samples[2] = NULL; /* no samples at all */
    nsamples[2] = 0;
    values[11][0] = NAN; /* the run before the step: nothing usable */
    values[11][1] = -1;
    values[11][2] = 0;
    values[12][0] = INFINITY; /* the first new run: one usable value left */
    values[12][1] = -5;
    values[5][1] = 1e6; /* a wild repetition before the step */
    values[15][0] = 1e-6; /* and one after */
    values[16][2] = NAN;

    ipcb_cp_step steps[MAX_STEPS];
    assert_int_equal(ipcb_changepoints(samples, nsamples, N, NULL, steps, MAX_STEPS), 1);
    assert_int_equal(steps[0].at, 12);
    assert_true(fabs(steps[0].ratio - 1.3) < 0.03);
    assert_true(fabs(steps[0].before - 100) < 3 && fabs(steps[0].after - 130) < 4);

    /* every run unusable: nothing to report */
    for (size_t i = 0; i < N; i++)
        nsamples[i] = 0;
    assert_int_equal(ipcb_changepoints(samples, nsamples, N, NULL, steps, MAX_STEPS), 0);
}

/* ---- determinism ------------------------------------------------------------ */

static void test_same_input_same_output(void **state)
{
    (void)state;
    shape s = { 30, { 10, 20 }, { 1.3, 1.3 }, 0.05, 0.03, 5 };
    history h;
    make_history(&h, &s, 11);
    ipcb_cp_step first[MAX_STEPS], second[MAX_STEPS];
    memset(first, 0, sizeof first);
    memset(second, 0, sizeof second);
    int n = detect(&h, NULL, first);
    assert_true(n >= 1);
    assert_int_equal(detect(&h, NULL, second), n);
    assert_memory_equal(first, second, sizeof first);

    /* the same with explicit default options and a copy of the input */
    history copy = h;
    for (size_t i = 0; i < copy.nruns; i++)
        copy.samples[i] = copy.values[i];
    ipcb_cp_options o;
    ipcb_cp_defaults(&o);
    memset(second, 0, sizeof second);
    assert_int_equal(detect(&copy, &o, second), n);
    assert_memory_equal(first, second, sizeof first);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_up_found_at_its_run),
        cmocka_unit_test(test_step_in_short_series),
        cmocka_unit_test(test_step_down_found),
        cmocka_unit_test(test_recent_step_found),
        cmocka_unit_test(test_flat_series_quiet),
        cmocka_unit_test(test_constant_series_quiet),
        cmocka_unit_test(test_two_steps_found),
        cmocka_unit_test(test_maxsteps_limits_output),
        cmocka_unit_test(test_small_step_not_reported),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_skipped_runs_keep_numbers),
        cmocka_unit_test(test_same_input_same_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
