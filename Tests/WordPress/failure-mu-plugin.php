<?php
/**
 * Test site only: makes Herald's update check fail as a real server or network can, when the
 * environment variable HERALD_TEST_FAILURE says how:
 *
 * - `status-500`: Herald's error envelope with status 500;
 * - `broken-json`: status 200 and a body cut off in the middle of the JSON;
 * - `timeout`: the request goes, with the updater's own arguments (its timeout among them), to
 *   HERALD_TEST_SILENT_PORT, a socket that accepts connections and never answers.
 *
 * Without the variable it does nothing.
 */
add_filter(
	'pre_http_request',
	function ( $response, $args, $url ) {
		$failure = (string) getenv( 'HERALD_TEST_FAILURE' );
		if ( '' === $failure || false === strpos( $url, '/api/check_for_update/' ) ) {
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
