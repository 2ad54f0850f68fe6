<?php
/*
 * Plugin Name: Demo
 * Version: 1.2.3
 * Requires at least: 6.0
 * Requires PHP: 7.4
 */
