#!/bin/sh
git diff --cached --stat
