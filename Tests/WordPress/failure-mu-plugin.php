<?php
/**
 * Test site only: makes Herald's update check of the demo plugin fail as a real server or
 * network can, when the environment variable HERALD_TEST_FAILURE says how:
 *
 * - `status-500`: Herald's error envelope with status 500;
 * - `broken-json`: status 200 and a body cut off in the middle of the JSON;
 * - `timeout`: the request goes, with the updater's own arguments (its timeout among them), to
 *   HERALD_TEST_SILENT_PORT, a socket that accepts connections and never answers.
 *
 * And when HERALD_TEST_MITM names a mode, every request to Herald (HERALD_TEST_SERVER) goes
 * instead, with the same arguments, to the tampering proxy (HERALD_TEST_PROXY) with that mode
 * in `X-Herald-Test-Tamper`: a man in the middle the updater cannot tell from Herald.
 *
 * Without the variables it does nothing.
 */
add_filter(
	'pre_http_request',
	function ( $response, $args, $url ) {
		$mitm   = (string) getenv( 'HERALD_TEST_MITM' );
		$server = (string) getenv( 'HERALD_TEST_SERVER' );
		if ( '' !== $mitm && '' !== $server && 0 === strpos( $url, $server . '/' ) ) {
			$args['headers']                          = isset( $args['headers'] ) && is_array( $args['headers'] ) ? $args['headers'] : array();
			$args['headers']['X-Herald-Test-Tamper'] = $mitm;
			return wp_remote_request( getenv( 'HERALD_TEST_PROXY' ) . substr( $url, strlen( $server ) ), $args );
		}
		$failure = (string) getenv( 'HERALD_TEST_FAILURE' );
		// The demo plugin's checks alone: the premium plugin beside it keeps its own answers.
		if ( '' === $failure || false === strpos( $url, '/api/check_for_update/' ) || false === strpos( $url, 'product_name=herald-demo&' ) ) {
			return $response;
		}
		$answer = array(
			'headers'  => array( 'content-type' => 'application/json' ),
			'cookies'  => array(),
			'filename' => null,
		);
		switch ( $failure ) {
			case 'status-500':
				$answer['response'] = array(
					'code'    => 500,
					'message' => 'Internal Server Error',
				);
				$answer['body']     = '{"messages":[{"type":"error","code":"internal_error","message":"Simulated failure."}],"response":null}';
				return $answer;
			case 'broken-json':
				$answer['response'] = array(
					'code'    => 200,
					'message' => 'OK',
				);
				$answer['body']     = '{"messages":[],"response":{"update_available":true,"new_ver';
				return $answer;
			case 'timeout':
				return wp_remote_get( 'http://127.0.0.1:' . getenv( 'HERALD_TEST_SILENT_PORT' ) . '/', $args );
		}
		return $response;
	},
	10,
	3
);
