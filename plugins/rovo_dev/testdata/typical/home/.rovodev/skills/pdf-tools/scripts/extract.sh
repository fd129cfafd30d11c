#!/bin/sh
set -eu
pdftotext -layout "$1" -
