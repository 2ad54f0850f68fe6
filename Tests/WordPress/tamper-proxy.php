<?php
/**
 * A router for `php -S`: forwards a GET to Herald (HERALD_UPSTREAM) and answers with its
 * headers, signature included, but with one byte of the body flipped and Content-MD5
 * dropped, as a compromised mirror or a man in the middle would: only the signature can
 * tell.
 */
$upstream = getenv( 'HERALD_UPSTREAM' );
$context  = stream_context_create( array( 'http' => array( 'ignore_errors' => true ) ) );
$body     = file_get_contents( $upstream . $_SERVER['REQUEST_URI'], false, $context );
foreach ( $http_response_header as $index => $line ) {
	if ( 0 === $index ) {
		header( $line );
	} elseif ( ! preg_match( '/^(content-length|content-md5|transfer-encoding|connection|date|server):/i', $line ) ) {
		header( $line, false );
	}
}
if ( false !== $body && strlen( $body ) > 100 ) {
	$body[100] = chr( ord( $body[100] ) ^ 1 );
}
echo $body;
