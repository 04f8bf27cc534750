/*
 * Unit tests for the node lifecycle controller's zones (ctrl/zones.h):
 * ComputeZoneState's thresholds, the rate each state gets with
 * kube-controller-manager's defaults, the zone key from topology labels,
 * and the per-zone token bucket (burst 1, a new full bucket when a
 * zone's rate changes, no tokens at rate 0).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "ctrl/zones.h"

static const struct zone_opts dflt = {
    .eviction_rate = 0.1,
    .secondary_eviction_rate = 0.01,
    .unhealthy_zone_threshold = 0.55,
    .large_cluster_size = 50,
};

static void test_state(void **state)
{
	(void)state;
	assert_int_equal(zone_state_of(&dflt, 0, 0), ZONE_NORMAL);
	assert_int_equal(zone_state_of(&dflt, 5, 0), ZONE_NORMAL);
	/* no node Ready: full, however few */
	assert_int_equal(zone_state_of(&dflt, 0, 1), ZONE_FULL_DISRUPTION);
	assert_int_equal(zone_state_of(&dflt, 0, 100), ZONE_FULL_DISRUPTION);
	/* partial needs more than 2 not Ready, and 55% of the zone */
	assert_int_equal(zone_state_of(&dflt, 1, 2), ZONE_NORMAL);
	assert_int_equal(zone_state_of(&dflt, 2, 3), ZONE_PARTIAL_DISRUPTION);
	assert_int_equal(zone_state_of(&dflt, 3, 3), ZONE_NORMAL);
	assert_int_equal(zone_state_of(&dflt, 45, 55), ZONE_PARTIAL_DISRUPTION);
	assert_int_equal(zone_state_of(&dflt, 46, 54), ZONE_NORMAL);
	assert_string_equal(zone_state_name(ZONE_PARTIAL_DISRUPTION),
			    "PartialDisruption");
	assert_string_equal(zone_state_name(ZONE_FULL_DISRUPTION),
			    "FullDisruption");
	assert_string_equal(zone_state_name(ZONE_NORMAL), "Normal");
}

static void test_rate(void **state)
{
	(void)state;
	assert_true(zone_rate(&dflt, ZONE_NORMAL, 10, false) == 0.1);
	/* HealthyQPSFunc: a fully disrupted zone among healthy ones */
	assert_true(zone_rate(&dflt, ZONE_FULL_DISRUPTION, 10, false) == 0.1);
	/* ReducedQPSFunc: the secondary rate above 50 nodes, else none */
	assert_true(zone_rate(&dflt, ZONE_PARTIAL_DISRUPTION, 51, false) ==
		    0.01);
	assert_true(zone_rate(&dflt, ZONE_PARTIAL_DISRUPTION, 50, false) == 0);
	/* every zone down: nothing anywhere */
	assert_true(zone_rate(&dflt, ZONE_FULL_DISRUPTION, 10, true) == 0);
	assert_true(zone_rate(&dflt, ZONE_NORMAL, 10, true) == 0);
}

static void test_key(void **state)
{
	_cleanup_json_ json_t *a =
	    json_pack("{s:{s:{s:s, s:s}}}", "metadata", "labels",
		      "topology.kubernetes.io/region", "r1",
		      "topology.kubernetes.io/zone", "z1");
	_cleanup_json_ json_t *b =
	    json_pack("{s:{s:{s:s}}}", "metadata", "labels",
		      "topology.kubernetes.io/zone", "z1");
	_cleanup_json_ json_t *none = json_pack("{s:{}}", "metadata");
	_cleanup_free_ char *ka = zone_key(a), *kb = zone_key(b),
			    *kn = zone_key(none);

	(void)state;
	assert_string_equal(kn, "");
	assert_string_not_equal(ka, kb); /* same zone, other region */
	assert_string_not_equal(kb, kn);
}

static void test_bucket(void **state)
{
	struct zone_limiter l;

	(void)state;
	zone_limiter_init(&l);
	/* burst 1: one at once, the next after 1/rate seconds */
	assert_true(zone_limiter_take(&l, "a", 0.1, 1000));
	assert_false(zone_limiter_take(&l, "a", 0.1, 1000));
	assert_false(zone_limiter_take(&l, "a", 0.1, 10999));
	assert_true(zone_limiter_take(&l, "a", 0.1, 11000));
	/* zones have their own buckets */
	assert_true(zone_limiter_take(&l, "b", 0.1, 11000));
	/* a zone going partial in a small cluster: rate 0, none ever */
	assert_false(zone_limiter_take(&l, "a", 0, 11000));
	assert_false(zone_limiter_take(&l, "a", 0, 1000000));
	/* back to normal: a new, full bucket (SwapLimiter) */
	assert_true(zone_limiter_take(&l, "a", 0.1, 1000001));
	assert_false(zone_limiter_take(&l, "a", 0.1, 1000002));
	/* the secondary rate: one per 100 s */
	assert_true(zone_limiter_take(&l, "c", 0.01, 0));
	assert_false(zone_limiter_take(&l, "c", 0.01, 99999));
	assert_true(zone_limiter_take(&l, "c", 0.01, 100000));
	zone_limiter_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_state),
	    cmocka_unit_test(test_rate),
	    cmocka_unit_test(test_key),
	    cmocka_unit_test(test_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
