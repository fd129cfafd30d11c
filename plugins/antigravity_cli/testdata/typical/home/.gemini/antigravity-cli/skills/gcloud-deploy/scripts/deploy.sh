#!/bin/sh
set -eu
gcloud run deploy "$1" --source .
