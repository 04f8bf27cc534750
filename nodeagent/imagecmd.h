/*
 * imagecmd.h — `kubefs-node image load|ls|rm`: the node's image store
 * from the command line, run as root on the node (what `ctr images` is
 * to containerd). `kubefs image` runs it.
 */
#ifndef KUBEFS_NODEAGENT_IMAGECMD_H
#define KUBEFS_NODEAGENT_IMAGECMD_H

#define NODEAGENT_DEFAULT_ROOT_DIR "/var/lib/kubefs/node"

/*
 * argv[0] is "image". Returns the exit status: 0, 1 on failure, 2 for a
 * usage error. Prints results on stdout and errors on stderr.
 */
int imagecmd_main(int argc, char **argv);

#endif
