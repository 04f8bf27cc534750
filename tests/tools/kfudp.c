/*
 * kfudp — a UDP echo for network tests.
 *
 *   kfudp serve PORT TEXT          answer every datagram with TEXT
 *   kfudp ask IP PORT SRCPORT      send one datagram from SRCPORT (so
 *                                  asks share one conntrack entry), print
 *                                  the answer; exit 1 without one in 2 s
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int serve(int port, const char *text)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("kfudp: bind");
		return 1;
	}
	for (;;) {
		struct sockaddr_in from;
		socklen_t n = sizeof(from);
		char buf[512];

		if (recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			     &n) < 0)
			continue;
		sendto(fd, text, strlen(text), 0, (struct sockaddr *)&from, n);
	}
}

static int ask(const char *ip, int port, int src)
{
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	struct sockaddr_in me = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)src)};
	struct timeval tv = {.tv_sec = 2};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1;
	char buf[512];
	ssize_t n;

	if (fd < 0 || inet_pton(AF_INET, ip, &to.sin_addr) != 1)
		return 2;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("kfudp: bind");
		return 2;
	}
	if (sendto(fd, "?", 1, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return 1;
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return 1;
	buf[n] = '\0';
	printf("%s\n", buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]), argv[3]);
	if (argc == 5 && !strcmp(argv[1], "ask"))
		return ask(argv[2], atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: kfudp serve PORT TEXT | kfudp ask IP PORT "
			"SRCPORT\n");
	return 2;
}
