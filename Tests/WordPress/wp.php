<?php
/**
 * One step of the WordPress end-to-end test, in a PHP process of its own, as WordPress runs
 * its update checks: `php wp.php SITE_DIR STEP [ARGS...]`. Prints what the step found; exits
 * 1 with the reason when the step fails.
 */
$site = $argv[1];
$step = $argv[2];
$args = array_slice( $argv, 3 );

if ( 'install' === $step ) {
	define( 'WP_INSTALLING', true );
}
$_SERVER['HTTP_HOST']   = 'localhost';
$_SERVER['SERVER_NAME'] = 'localhost';
$_SERVER['REQUEST_URI'] = '/';
require $site . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';
require_once ABSPATH . 'wp-admin/includes/class-wp-upgrader.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin-install.php';

/** Collects what an upgrader says, so a failed upgrade can tell why. */
class Herald_Test_Skin extends Automatic_Upgrader_Skin {
	public function error( $errors ) {
		if ( ! is_wp_error( $errors ) ) {
			$this->feedback( (string) $errors );
			return;
		}
		$data = $errors->get_error_data();
		$this->feedback( $errors->get_error_message() . ( is_string( $data ) ? ' ' . $data : '' ) );
	}
}

function fail( $message ) {
	fwrite( STDERR, $message . "\n" );
	exit( 1 );
}

function upgrade_messages( $skin ) {
	return implode( ' | ', array_map( 'wp_strip_all_tags', $skin->get_upgrade_messages() ) );
}

if ( 'install' !== $step ) {
	wp_set_current_user( 1 );
}
switch ( $step ) {
	case 'install':
		wp_install( 'Herald test', 'admin', 'admin@example.com', true, '', 'admin-password' );
		echo "installed\n";
		break;
	case 'activate-plugin':
		$result = activate_plugin( $args[0] );
		if ( is_wp_error( $result ) ) {
			fail( $result->get_error_message() );
		}
		echo "active\n";
		break;
	case 'switch-theme':
		switch_theme( $args[0] );
		echo get_stylesheet(), "\n";
		break;
	case 'set-option':
		update_option( $args[0], $args[1] );
		echo "set\n";
		break;
	case 'check-plugins':
		delete_site_transient( 'update_plugins' );
		wp_update_plugins();
		$transient = get_site_transient( 'update_plugins' );
		$item      = isset( $transient->response[ $args[0] ] ) ? $transient->response[ $args[0] ] : null;
		echo wp_json_encode( $item ? array( 'new_version' => $item->new_version, 'package' => $item->package ) : null ), "\n";
		break;
	case 'check-themes':
		delete_site_transient( 'update_themes' );
		wp_update_themes();
		$transient = get_site_transient( 'update_themes' );
		$item      = isset( $transient->response[ $args[0] ] ) ? $transient->response[ $args[0] ] : null;
		echo wp_json_encode( $item ? array( 'new_version' => $item['new_version'], 'package' => $item['package'] ) : null ), "\n";
		break;
	case 'upgrade-plugin':
		$skin   = new Herald_Test_Skin();
		$result = ( new Plugin_Upgrader( $skin ) )->bulk_upgrade( array( $args[0] ) );
		$ok     = is_array( $result ) && is_array( $result[ $args[0] ] ?? null );
		echo wp_json_encode( array( 'ok' => $ok, 'messages' => upgrade_messages( $skin ) ) ), "\n";
		break;
	case 'upgrade-theme':
		$skin   = new Herald_Test_Skin();
		$result = ( new Theme_Upgrader( $skin ) )->bulk_upgrade( array( $args[0] ) );
		$ok     = is_array( $result ) && is_array( $result[ $args[0] ] ?? null );
		echo wp_json_encode( array( 'ok' => $ok, 'messages' => upgrade_messages( $skin ) ) ), "\n";
		break;
	case 'plugin-details':
	case 'theme-details':
		// The "View details" dialog: what plugins_api / themes_api hand to WordPress's templates.
		$details = 'plugin-details' === $step
			? plugins_api( 'plugin_information', array( 'slug' => $args[0] ) )
			: themes_api( 'theme_information', array( 'slug' => $args[0] ) );
		if ( is_wp_error( $details ) ) {
			fail( $details->get_error_message() );
		}
		echo wp_json_encode(
			array(
				'name'          => $details->name,
				'version'       => $details->version,
				'download_link' => $details->download_link,
				'requires_php'  => $details->requires_php,
				'sections'      => is_array( $details->sections ) ? array_keys( $details->sections ) : 'not an array',
				'changelog'     => isset( $details->sections['changelog'] ) ? $details->sections['changelog'] : '',
			)
		), "\n";
		break;
	case 'plugin-version':
		$data = get_file_data( WP_PLUGIN_DIR . '/' . $args[0], array( 'Version' => 'Version' ) );
		echo $data['Version'], "\n";
		break;
	case 'theme-version':
		$data = get_file_data( get_theme_root() . '/' . $args[0] . '/style.css', array( 'Version' => 'Version' ) );
		echo $data['Version'], "\n";
		break;
	case 'admin-notices':
		set_current_screen( 'dashboard' );
		ob_start();
		do_action( 'admin_notices' );
		echo wp_strip_all_tags( ob_get_clean() ), "\n";
		break;
	case 'plugin-action-links':
		// The plugin's row on the plugins page: its action links, as text.
		$links = apply_filters( 'plugin_action_links_' . $args[0], array(), $args[0], array(), 'all' );
		echo wp_strip_all_tags( implode( ' | ', $links ) ), "\n";
		break;
	case 'admin-post':
		// A click on an admin-post.php link: `admin-post ACTION DO`, with a valid nonce. The
		// handler redirects and exits; what it left for the admin is printed on the way out.
		$_GET['action']     = $args[0];
		$_GET['do']         = $args[1];
		$_REQUEST['_wpnonce'] = wp_create_nonce( $args[0] );
		register_shutdown_function(
			function () {
				set_current_screen( 'dashboard' );
				ob_start();
				do_action( 'admin_notices' );
				echo wp_strip_all_tags( ob_get_clean() ), "\n";
			}
		);
		do_action( 'admin_post_' . $args[0] );
		break;
	case 'versions':
		global $wp_version;
		echo 'WordPress ', $wp_version, ', PHP ', PHP_VERSION, "\n";
		break;
	default:
		fail( "unknown step $step" );
}
