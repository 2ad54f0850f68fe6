<?php
/**
 * Test site only: lets WordPress's safe HTTP API reach Herald on loopback and on a test port.
 * The updater itself never does this; a real Herald is on a public host and port 443.
 */
add_filter( 'http_request_host_is_external', '__return_true' );
add_filter(
	'http_allowed_safe_ports',
	function ( $ports ) {
		foreach ( explode( ',', (string) getenv( 'HERALD_TEST_PORTS' ) ) as $port ) {
			if ( '' !== $port ) {
				$ports[] = (int) $port;
			}
		}
		return $ports;
	}
);
