<?php
/**
 * A router for `php -S`: seed 002's WordPress Package API as its README describes it, to import
 * from. The document root holds `wordpress/packages/` (the content tree, served as files);
 * `/wordpress/?action=index` globs its release.json files, `show` reads them, and a relative
 * package URL is anchored to the content root's URL. Actions are lower-cased, as the original's.
 */
$path = (string) parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH );
if ( '/wordpress/' !== $path && '/wordpress' !== $path ) {
	return false;
}
$root     = $_SERVER['DOCUMENT_ROOT'] . '/wordpress';
$root_url = 'http://' . $_SERVER['HTTP_HOST'] . '/wordpress/packages';
header( 'Content-Type: application/json' );

function releases( $root, $pattern ) {
	$found = array();
	foreach ( glob( $root . '/packages/' . $pattern . '/*/release.json' ) as $file ) {
		$found[] = substr( $file, strlen( $root ) + 1 );
	}
	sort( $found );
	return $found;
}

function release( $root, $root_url, $file ) {
	$release = json_decode( file_get_contents( $root . '/' . $file ), true );
	$package = isset( $release['package']['zip'] ) ? $release['package']['zip'] : $release['packages'][0]['zip'];
	if ( ! preg_match( '#^https?://#', $package ) ) {
		$package = $root_url . '/' . ltrim( $package, '/' );
	}
	return array(
		'version' => $release['version'],
		'date'    => $release['date'],
		'package' => $package,
	);
}

$action = strtolower( isset( $_GET['action'] ) ? $_GET['action'] : '' );
if ( 'index' === $action ) {
	echo json_encode( array_merge( releases( $root, 'plugins/*' ), releases( $root, 'themes/*' ) ), JSON_UNESCAPED_SLASHES );
	return;
}
if ( 'show' === $action && isset( $_GET['slug'] ) && preg_match( '#^(plugins|themes)/[a-z0-9_-]+$#', $_GET['slug'] ) ) {
	$versions = array();
	foreach ( releases( $root, $_GET['slug'] ) as $file ) {
		$release                          = release( $root, $root_url, $file );
		$versions[ $release['version'] ] = $release;
	}
	if ( isset( $_GET['version'] ) ) {
		echo json_encode( $versions[ $_GET['version'] ], JSON_UNESCAPED_SLASHES );
	} else {
		echo json_encode( array( 'slug' => $_GET['slug'], 'versions' => $versions ), JSON_UNESCAPED_SLASHES );
	}
	return;
}
http_response_code( 400 );
echo json_encode( array( 'error' => 'unknown action' ) );
