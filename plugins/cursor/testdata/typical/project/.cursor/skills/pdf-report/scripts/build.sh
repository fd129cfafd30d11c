#!/bin/sh
echo report.pdf
