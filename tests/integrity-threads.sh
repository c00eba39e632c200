#!/bin/sh
# test-mech-integrity's specs between threads (TAP), a test of its own so that
# make -j runs it beside the other mode's (both take the objects' lock
# shared, never beside a shell test's leak snapshot).
exec "${top_builddir:-.}/tests/test-mech-integrity" --threads
