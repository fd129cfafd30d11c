#!/bin/sh
git diff --stat main...HEAD
