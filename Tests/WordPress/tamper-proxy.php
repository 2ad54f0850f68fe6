<?php
/**
 * A router for `php -S`: a man in the middle between the test site and Herald
 * (HERALD_UPSTREAM). The site's updater thinks it talks to Herald; failure-mu-plugin.php sends
 * its requests here with `X-Herald-Test-Tamper: MODE` when HERALD_TEST_MITM says so:
 *
 * - `package-bytes`: a package (/download/, /file/) comes back with one byte flipped and
 *   Content-MD5 dropped, its signature header kept: only the signature can tell;
 * - `answer-host`: check_for_update's download URLs point at this proxy instead, the answer's
 *   signature kept;
 * - `strip-signature`: answers come without X-Herald-Signature;
 * - `forwarded-host`: Herald is asked with `X-Forwarded-Host: evil.example` (a poisoned cache
 *   or a misconfigured proxy), so Herald itself signs URLs on another host;
 * - `record`: passes everything, keeping the last check_for_update answer (body and signature)
 *   in HERALD_TEST_RECORDING;
 * - `replay`: answers check_for_update with that recorded answer, whatever was asked;
 * - `forge-downgrade`: the same, made into a downgrade for the version the site asked about
 *   (`downgrade: true`, its `current_version`), under the recorded signature.
 */
$upstream = getenv( 'HERALD_UPSTREAM' );
$mode     = isset( $_SERVER['HTTP_X_HERALD_TEST_TAMPER'] ) ? $_SERVER['HTTP_X_HERALD_TEST_TAMPER'] : 'package-bytes';
$uri      = $_SERVER['REQUEST_URI'];
$is_check = 0 === strpos( $uri, '/api/check_for_update' );
$record   = getenv( 'HERALD_TEST_RECORDING' );

if ( ( 'replay' === $mode || 'forge-downgrade' === $mode ) && $is_check ) {
	$recorded = json_decode( (string) file_get_contents( $record ), true );
	$body     = $recorded['body'];
	if ( 'forge-downgrade' === $mode ) {
		$answer                                = json_decode( $body, true );
		$answer['response']['downgrade']       = true;
		$answer['response']['current_version'] = isset( $_GET['current_product_version'] ) ? $_GET['current_product_version'] : '';
		$body                                  = json_encode( $answer, JSON_UNESCAPED_SLASHES );
	}
	header( 'Content-Type: application/json; charset=utf-8' );
	header( 'X-Herald-Signature: ' . $recorded['signature'] );
	echo $body;
	return;
}

$headers = array();
if ( 'forwarded-host' === $mode ) {
	$headers[] = 'X-Forwarded-Host: evil.example';
}
$context = stream_context_create(
	array(
		'http' => array(
			'ignore_errors' => true,
			'header'        => $headers,
		),
	)
);
$body      = file_get_contents( $upstream . $uri, false, $context );
$signature = '';
foreach ( $http_response_header as $index => $line ) {
	if ( 0 === $index ) {
		header( $line );
		continue;
	}
	if ( preg_match( '/^x-herald-signature:\s*(.*)$/i', $line, $found ) ) {
		$signature = trim( $found[1] );
		if ( 'strip-signature' === $mode ) {
			continue;
		}
	}
	if ( ! preg_match( '/^(content-length|content-md5|transfer-encoding|connection|date|server):/i', $line ) ) {
		header( $line, false );
	}
}
$is_package = 0 === strpos( $uri, '/download/' ) || 0 === strpos( $uri, '/file/' );
if ( 'package-bytes' === $mode && $is_package && false !== $body && strlen( $body ) > 100 ) {
	$body[100] = chr( ord( $body[100] ) ^ 1 );
}
if ( 'answer-host' === $mode && $is_check ) {
	$body = str_replace( '"' . $upstream . '/', '"http://' . $_SERVER['HTTP_HOST'] . '/', $body );
}
if ( 'record' === $mode && $is_check ) {
	file_put_contents( $record, json_encode( array( 'body' => $body, 'signature' => $signature ) ) );
}
echo $body;
