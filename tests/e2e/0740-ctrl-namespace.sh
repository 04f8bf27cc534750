#!/bin/bash
# The namespace's `kubernetes` spec finalizer: a new namespace gets it;
# only NAME@finalize changes spec.finalizers; a deleted namespace stays
# Terminating (its content kept until a namespace controller deletes it)
# while the finalizer is there, the namespace controller empties it and
# removes the finalizer, and only then does the API server remove the
# namespace.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctrl-lib.sh"
NSD=$MNT/core/v1/namespaces

start_fs
touch "$NSD/team"
expect_eq "$(jqf "$NSD/team" '.spec.finalizers | join(",")')" kubernetes "new namespace's finalizers"

# a plain update keeps spec.finalizers
echo '{"spec":{"finalizers":[]},"metadata":{"labels":{"a":"b"}}}' >> "$NSD/team"
expect_eq "$(jqf "$NSD/team" '.spec.finalizers | join(",")')" kubernetes "finalizers after an update"
expect_eq "$(jqf "$NSD/team" .metadata.labels.a)" b "the update itself"

# no controller yet: the namespace and its content wait
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n' > "$MNT/core/v1/configmaps/team/c"
rm "$NSD/team"
# the API server only marks it: its content is the namespace controller's
test -e "$MNT/core/v1/configmaps/team/c"
expect_eq "$(jqf "$NSD/team" .status.phase)" Terminating "phase while finalizing"
expect_eq "$(jqf "$NSD/team" '.spec.finalizers | join(",")')" kubernetes "finalizers while terminating"

# the namespace controller finalizes it, and it goes
start_daemon ctrl kubefs-ctrl --cluster "$MNT" --controllers=namespace
wait_for test ! -e "$NSD/team"
test ! -e "$MNT/core/v1/configmaps/team/c"

# another finalizer holds it after the controller's is gone, until it
# is removed through NAME@finalize too
touch "$NSD/held"
printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: held}\nspec: {finalizers: [kubernetes, example.com/x]}\n' > "$NSD/held@finalize"
rm "$NSD/held"
wait_eq "jqf $NSD/held '.spec.finalizers | join(\",\")'" example.com/x
expect_eq "$(jqf "$NSD/held" .status.phase)" Terminating "phase held"
printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: held}\nspec: {finalizers: []}\n' > "$NSD/held@finalize"
wait_for test ! -e "$NSD/held"

# finalize is a namespace's subresource only: elsewhere, as any unknown
# subresource, it cannot be opened
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' > "$MNT/core/v1/configmaps/default/x"
echo '{}' | expect_errno EACCES "$MNT/core/v1/configmaps/default/x@finalize"
echo ok
