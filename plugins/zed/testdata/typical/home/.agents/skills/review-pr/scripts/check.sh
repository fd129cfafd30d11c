#!/bin/sh
set -e
git diff --stat main...HEAD
