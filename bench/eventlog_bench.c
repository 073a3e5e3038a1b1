/*
 * eventlog_bench.c - the fleet verifier's hot path, in process: parse +
 * replay + check of event logs held in memory, against a reference loaded
 * once, on one thread.  Prints logs per second (median of rounds).  The
 * stage can be cut short to see where the time goes: FWG_BENCH_STAGE=parse
 * (parse + digest-of-data checks), replay (+ replay), check (default).
 *   eventlog_bench REF SECONDS LOG...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fwguard/eventlog.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s REF SECONDS LOG...\n", argv[0]);
		return 2;
	}
	char err[512];
	FILE *f = fopen(argv[1], "rb");
	if (!f)
		return 3;
	static char text[64 << 20];
	size_t tl = fread(text, 1, sizeof(text), f);
	fclose(f);
	struct fwg_evref *ref;
	if (fwg_evref_parse(text, tl, &ref, err, sizeof(err)) != FWG_OK) {
		fprintf(stderr, "%s\n", err);
		return 3;
	}
	size_t n = (size_t)argc - 3, events = 0;
	uint8_t **bufs = calloc(n, sizeof(*bufs));
	size_t *lens = calloc(n, sizeof(*lens));
	for (size_t i = 0; i < n; i++) {
		f = fopen(argv[3 + i], "rb");
		if (!f)
			return 3;
		bufs[i] = malloc(1 << 20);
		lens[i] = fread(bufs[i], 1, 1 << 20, f);
		fclose(f);
		struct fwg_evlog *log;
		if (fwg_evlog_parse(bufs[i], lens[i], &log, err, sizeof(err)) != FWG_OK)
			return 3;
		events += log->event_count;
		fwg_evlog_free(log);
	}
	double seconds = atof(argv[2]);
	const char *stage = getenv("FWG_BENCH_STAGE");
	int upto = !stage || strcmp(stage, "check") == 0 ? 2 : strcmp(stage, "replay") == 0 ? 1 : 0;
	struct fwg_evcheck_options opt = { .fail_on = FWG_EV_MEDIUM };
	double rates[15];
	int rounds = 0;
	size_t findings = 0;
	for (; rounds < 15; rounds++) {
		double t0 = now(), t;
		size_t done = 0;
		do {
			for (size_t i = 0; i < n; i++) {
				struct fwg_evlog *log;
				struct fwg_evcheck res;
				if (fwg_evlog_parse(bufs[i], lens[i], &log, err, sizeof(err)) != FWG_OK)
					return 3;
				if (upto == 1) {
					static struct fwg_pcr_set set;
					if (fwg_evlog_replay(log, &set, err, sizeof(err)) != FWG_OK)
						return 3;
				} else if (upto == 2) {
					if (fwg_evlog_check(log, ref, &opt, &res, err, sizeof(err)) != FWG_OK)
						return 3;
					findings += res.count;
					fwg_evcheck_clear(&res);
				}
				fwg_evlog_free(log);
			}
			done += n;
			t = now() - t0;
		} while (t < seconds / 15);
		rates[rounds] = (double)done / t;
	}
	qsort(rates, (size_t)rounds, sizeof(double), compare);
	printf("%.0f logs/s (median of %d rounds; %zu logs, %.1f events per log on average; %zu findings)\n",
		rates[rounds / 2], rounds, n, (double)events / (double)n, findings);
	fwg_evref_free(ref);
	return 0;
}
