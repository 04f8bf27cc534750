/*
 * test_netaddr.c — IPv4/IPv6 literals, IPv4 CIDRs and CIDR families (api/netaddr.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api/netaddr.h"

static void test_ipv4(void **state)
{
	char buf[IPV4_STRLEN];
	uint32_t a = 7;

	(void)state;
	assert_int_equal(ipv4_parse("10.96.0.1", &a), 0);
	assert_int_equal(a, 0x0a600001);
	assert_string_equal(ipv4_format(a, buf), "10.96.0.1");
	assert_int_equal(ipv4_parse("255.255.255.255", &a), 0);
	assert_string_equal(ipv4_format(a, buf), "255.255.255.255");
	a = 7;
	/* Go's strict form: no leading zeros, four octets, nothing around */
	assert_int_equal(ipv4_parse("010.0.0.1", &a), -EINVAL);
	assert_int_equal(ipv4_parse("10.0.0", &a), -EINVAL);
	assert_int_equal(ipv4_parse("10.0.0.256", &a), -EINVAL);
	assert_int_equal(ipv4_parse(" 10.0.0.1", &a), -EINVAL);
	assert_int_equal(ipv4_parse("10.0.0.1/8", &a), -EINVAL);
	assert_int_equal(ipv4_parse(NULL, &a), -EINVAL);
	assert_int_equal(a, 7); /* untouched */
}

static void test_cidr4(void **state)
{
	struct cidr4 c = {1, 1};
	char buf[CIDR4_STRLEN];

	(void)state;
	assert_int_equal(cidr4_parse("10.244.3.7/16", &c), 0);
	assert_string_equal(cidr4_format(&c, buf), "10.244.0.0/16");
	assert_int_equal(cidr4_parse("0.0.0.0/0", &c), 0);
	assert_int_equal(c.prefix, 0);
	assert_int_equal(cidr4_parse("1.2.3.4/32", &c), 0);
	assert_string_equal(cidr4_format(&c, buf), "1.2.3.4/32");
	assert_int_equal(cidr4_mask(24), 0xffffff00);
	assert_int_equal(cidr4_mask(0), 0);
	c = (struct cidr4){1, 1};
	assert_int_equal(cidr4_parse("10.0.0.0/33", &c), -EINVAL);
	assert_int_equal(cidr4_parse("10.0.0.0/08", &c), -EINVAL);
	assert_int_equal(cidr4_parse("10.0.0.0/+8", &c), -EINVAL);
	assert_int_equal(cidr4_parse("10.0.0.0/", &c), -EINVAL);
	assert_int_equal(cidr4_parse("10.0.0.0", &c), -EINVAL);
	assert_int_equal(cidr4_parse("/8", &c), -EINVAL);
	assert_int_equal(cidr4_parse("10.0.0.0/100", &c), -EINVAL);
	assert_int_equal(c.addr, 1); /* untouched */
}

static void test_literals(void **state)
{
	(void)state;
	assert_true(is_ip("10.0.0.1"));
	assert_true(is_ip("::1"));
	assert_true(is_ip("fd00:10:96::a"));
	assert_false(is_ip("fd00::zz"));
	assert_false(is_ip("[::1]"));
	assert_false(is_ip(""));
	assert_false(is_ip(NULL));
	assert_true(is_ipv4("192.168.1.1"));
	assert_false(is_ipv4("::1"));
	assert_true(is_ipv6("fd00:10:96::a"));
	assert_true(is_ipv6("::ffff:10.0.0.1"));
	assert_false(is_ipv6("10.0.0.1"));
	assert_false(is_ipv6("fd00::1%eth0"));
	assert_false(is_ipv6(NULL));
}

static void test_cidr_family(void **state)
{
	(void)state;
	assert_int_equal(cidr_family("10.244.0.0/16"), 4);
	assert_int_equal(cidr_family("10.244.3.7/16"), 4); /* host bits */
	assert_int_equal(cidr_family("0.0.0.0/0"), 4);
	assert_int_equal(cidr_family("fd00:10:244::/48"), 6);
	assert_int_equal(cidr_family("::/0"), 6);
	assert_int_equal(cidr_family("fd00::/128"), 6);
	assert_int_equal(cidr_family("10.0.0.0/33"), -EINVAL);
	assert_int_equal(cidr_family("10.0.0.0/100"), -EINVAL);
	assert_int_equal(cidr_family("fd00::/129"), -EINVAL);
	assert_int_equal(cidr_family("fd00::/048"), -EINVAL);
	assert_int_equal(cidr_family("fd00::/-1"), -EINVAL);
	assert_int_equal(cidr_family("fd00::/1000"), -EINVAL);
	assert_int_equal(cidr_family("010.0.0.0/8"), -EINVAL);
	assert_int_equal(cidr_family("10.0.0.0"), -EINVAL);
	assert_int_equal(cidr_family("/8"), -EINVAL);
	assert_int_equal(cidr_family("fd00::/"), -EINVAL);
	assert_int_equal(cidr_family("[fd00::]/64"), -EINVAL);
	assert_int_equal(cidr_family(NULL), -EINVAL);
}

static void test_ipv4_table(void **state)
{
	static const char *const bad[] = {
	    "",		"1.2.3",    "1.2.3.4.5",  "256.1.1.1", "1.2.3.04",
	    "01.2.3.4", "1..2.3",   "1.2.3.4 ",	  " 1.2.3.4",  "1.2.3.-4",
	    "a.b.c.d",	"1.2.3.4/", "1234.1.1.1", "::1",       "1.2.3.4x",
	};
	char buf[IPV4_STRLEN];
	uint32_t ip = 7;

	(void)state;
	assert_int_equal(ipv4_parse("10.96.0.1", &ip), 0);
	assert_int_equal(ip, 0x0a600001);
	assert_string_equal(ipv4_format(ip, buf), "10.96.0.1");
	assert_int_equal(ipv4_parse("0.0.0.0", &ip), 0);
	assert_int_equal(ip, 0);
	assert_int_equal(ipv4_parse("255.255.255.255", &ip), 0);
	assert_int_equal(ip, 0xffffffff);
	assert_string_equal(ipv4_format(ip, buf), "255.255.255.255");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ip = 7;
		if (ipv4_parse(bad[i], &ip) != -EINVAL)
			fail_msg("\"%s\" parsed as an IPv4 address", bad[i]);
		assert_int_equal(ip, 7);
	}
	assert_int_equal(ipv4_parse(NULL, &ip), -EINVAL);
}

static void test_cidr4_table(void **state)
{
	static const char *const bad[] = {
	    "10.96.0.0",  "10.96.0.0/", "10.96.0.0/33", "10.96.0.0/012",
	    "10.96.0/12", "/12",	"10.96.0.0/1a", "10.96.0.0/-1",
	};
	struct cidr4 c = {7, 7};

	(void)state;
	assert_int_equal(cidr4_parse("10.96.0.0/12", &c), 0);
	assert_int_equal(c.addr, 0x0a600000);
	assert_int_equal(c.prefix, 12);
	/* host bits are cleared */
	assert_int_equal(cidr4_parse("10.96.3.7/29", &c), 0);
	assert_int_equal(c.addr, 0x0a600300);
	assert_int_equal(c.prefix, 29);
	assert_int_equal(cidr4_parse("1.2.3.4/0", &c), 0);
	assert_int_equal(c.addr, 0);
	assert_int_equal(cidr4_parse("1.2.3.4/32", &c), 0);
	assert_int_equal(c.addr, 0x01020304);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.addr = 7;
		if (cidr4_parse(bad[i], &c) != -EINVAL)
			fail_msg("\"%s\" parsed as a CIDR", bad[i]);
		assert_int_equal(c.addr, 7);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4),
	    cmocka_unit_test(test_cidr4),
	    cmocka_unit_test(test_literals),
	    cmocka_unit_test(test_cidr_family),
	    cmocka_unit_test(test_ipv4_table),
	    cmocka_unit_test(test_cidr4_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
