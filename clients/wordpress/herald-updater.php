<?php
/**
 * Herald_Updater: updates a WordPress plugin or theme from a Herald update server.
 *
 * Include this one file in a plugin or a theme and construct it once:
 *
 *     require_once __DIR__ . '/herald-updater.php';
 *     new Herald_Updater( array(
 *         'server'  => 'https://updates.example.com',
 *         'product' => 'acme-plugin',
 *         'file'    => __FILE__,
 *     ) );
 *
 * It asks Herald's check_for_update on WordPress's own update checks, puts the answer into the
 * update_plugins / update_themes transient, answers the "View details" dialog, shows Herald's
 * messages as admin notices, and makes WordPress core verify the Ed25519 signature of every
 * package it downloads from Herald. Herald being down, slow or wrong never breaks a page: the
 * error is logged and the last good answer is used.
 *
 * Nothing Herald answers is trusted until its signature (X-Herald-Signature, Ed25519 over the
 * body, with the pinned key) verifies and it names this product, its channel and a time not
 * past. A package is fetched when WordPress installs it, from a fresh answer (so a licensed
 * site's short-lived link is never stale), only from Herald's own origin, only when newer than
 * the installed version, and kept only when its SHA-384 is the one the answer signed.
 *
 * The server URL must be https; `define( 'HERALD_UPDATER_ALLOW_HTTP', true )` allows http
 * (tests, a Herald on loopback).
 *
 * Requires PHP 7.4 and WordPress 5.2 (signature checks, sodium); no other dependency.
 *
 * @package Herald
 */

if ( ! class_exists( 'Herald_Updater', false ) ) {

	/**
	 * Keeps one plugin or theme up to date from Herald.
	 */
	class Herald_Updater {

		/**
		 * Seconds to wait for Herald before giving up on an answer.
		 */
		const TIMEOUT = 10;

		/**
		 * Herald's base URL, without a trailing slash.
		 *
		 * @var string
		 */
		private $server;

		/**
		 * The host of $server, as WordPress compares it in wp_signature_hosts.
		 *
		 * @var string
		 */
		private $host;

		/**
		 * Scheme, host and port of $server: packages are downloaded from there and nowhere else.
		 *
		 * @var string
		 */
		private $origin;

		/**
		 * Herald's product id: the plugin's folder name or the theme's stylesheet.
		 *
		 * @var string
		 */
		private $product;

		/**
		 * The plugin's main file, or a file of the theme.
		 *
		 * @var string
		 */
		private $file;

		/**
		 * 'plugin' or 'theme'.
		 *
		 * @var string
		 */
		private $type;

		/**
		 * The channel asked for when the site has not chosen one.
		 *
		 * @var string
		 */
		private $default_channel;

		/**
		 * The site's license key, sent with every question.
		 *
		 * @var string
		 */
		private $license;

		/**
		 * The package signing key given by the plugin, base64; empty to fetch and pin Herald's.
		 *
		 * @var string
		 */
		private $public_key;

		/**
		 * Answers fetched during this request, so one page load asks Herald once.
		 *
		 * @var array
		 */
		private $answers = array();

		/**
		 * The update being installed in this request (from, to, whether the plugin was
		 * active), for the outcome report sent when it is done; null when there is none.
		 *
		 * @var array|null
		 */
		private $pending_report = null;

		/**
		 * What WordPress's installation of this plugin's or theme's package gave (true or a
		 * WP_Error), caught for it alone: in a bulk upgrade the upgrader keeps only the last one.
		 *
		 * @var mixed
		 */
		private $install_result = null;

		/**
		 * The X-Herald-Report-Token of Herald's last verified answer: an outcome report of the
		 * update it offered carries it, which binds the report to this site.
		 *
		 * @var string
		 */
		private $report_token = '';

		/**
		 * Reads the arguments and hooks into WordPress.
		 *
		 * @param array $args server, product, file; optional type ('plugin' or 'theme'), channel,
		 *                    license, public_key.
		 */
		public function __construct( array $args ) {
			$this->server          = isset( $args['server'] ) ? rtrim( (string) $args['server'], '/' ) : '';
			$this->product         = isset( $args['product'] ) ? (string) $args['product'] : '';
			$this->file            = isset( $args['file'] ) ? (string) $args['file'] : '';
			$this->default_channel = ! empty( $args['channel'] ) ? (string) $args['channel'] : 'stable';
			$this->license         = isset( $args['license'] ) ? (string) $args['license'] : '';
			$this->public_key      = isset( $args['public_key'] ) ? trim( (string) $args['public_key'] ) : '';
			$this->host            = (string) wp_parse_url( $this->server, PHP_URL_HOST );
			$this->origin          = self::origin_of( $this->server );
			if ( isset( $args['type'] ) ) {
				$this->type = 'theme' === $args['type'] ? 'theme' : 'plugin';
			} else {
				$this->type = $this->is_theme_file( $this->file ) ? 'theme' : 'plugin';
			}
			if ( '' === $this->server || '' === $this->host || '' === $this->product || '' === $this->file ) {
				error_log( 'Herald_Updater: server, product and file are required; updates are off.' );
				return;
			}
			$http_allowed = defined( 'HERALD_UPDATER_ALLOW_HTTP' ) && HERALD_UPDATER_ALLOW_HTTP;
			if ( 0 !== strpos( $this->origin, 'https://' ) && ! $http_allowed ) {
				error_log( sprintf( 'Herald_Updater(%s): the server URL must be https (or HERALD_UPDATER_ALLOW_HTTP defined); updates are off.', $this->product ) );
				return;
			}

			if ( 'plugin' === $this->type ) {
				add_filter( 'pre_set_site_transient_update_plugins', array( $this, 'add_plugin_update' ) );
				add_filter( 'plugins_api', array( $this, 'plugin_details' ), 10, 3 );
				add_filter( 'update_plugins_' . $this->update_uri_host(), array( $this, 'update_uri_answer' ), 10, 3 );
			} else {
				add_filter( 'pre_set_site_transient_update_themes', array( $this, 'add_theme_update' ) );
				add_filter( 'themes_api', array( $this, 'theme_details' ), 10, 3 );
			}
			add_filter( 'upgrader_pre_download', array( $this, 'download_package' ), 10, 4 );
			add_filter( 'wp_signature_hosts', array( $this, 'signature_hosts' ) );
			add_filter( 'wp_trusted_keys', array( $this, 'trusted_keys' ) );
			add_filter( 'wp_signature_softfail', array( $this, 'signature_softfail' ), 10, 2 );
			add_action( 'admin_notices', array( $this, 'show_messages' ) );
			add_filter( 'upgrader_install_package_result', array( $this, 'note_install_result' ), 10, 2 );
			add_action( 'upgrader_process_complete', array( $this, 'report_outcome' ), 10, 2 );
			if ( '' !== $this->license && 'plugin' === $this->type ) {
				add_filter( 'plugin_action_links_' . plugin_basename( $this->file ), array( $this, 'license_links' ) );
				add_filter( 'network_admin_plugin_action_links_' . plugin_basename( $this->file ), array( $this, 'license_links' ) );
				add_action( 'admin_post_' . $this->option_name( 'license' ), array( $this, 'change_license' ) );
			}
		}

		/**
		 * Downloads this plugin's or theme's package when WordPress is about to install it:
		 * from a fresh, verified answer (the link a stored answer holds may have expired),
		 * from Herald's origin only, newer than what is installed, WordPress core verifying
		 * its signature, and its SHA-384 the one the answer signed.
		 *
		 * @param false|string|WP_Error $reply      What an earlier filter decided; false to download as usual.
		 * @param string                $package    The package URL WordPress has.
		 * @param WP_Upgrader           $upgrader   The upgrader.
		 * @param array                 $hook_extra Names the plugin or theme being upgraded.
		 * @return false|string|WP_Error The downloaded file, an error, or $reply for other packages.
		 */
		public function download_package( $reply, $package, $upgrader = null, $hook_extra = array() ) {
			if ( false !== $reply || ! $this->is_own_upgrade( (string) $package, is_array( $hook_extra ) ? $hook_extra : array() ) ) {
				return $reply;
			}
			$this->answers = array();
			$answer        = $this->check( false );
			if ( null === $answer || ! $this->offers_update( $answer ) ) {
				return new WP_Error( 'herald_no_update', sprintf( 'Herald offers no verified update of %s now.', $this->product ) );
			}
			$file = download_url( (string) $answer['download_url'], 300, true );
			if ( is_wp_error( $file ) ) {
				return $file;
			}
			if ( ! hash_equals( strtolower( (string) $answer['build']['sha384'] ), (string) hash_file( 'sha384', $file ) ) ) {
				wp_delete_file( $file );
				error_log( sprintf( 'Herald_Updater(%s): the package is not the one the answer signed; refused.', $this->product ) );
				return new WP_Error( 'herald_package_mismatch', 'The package is not the one Herald signed for this update.' );
			}
			$this->pending_report = array(
				'from'  => $this->installed_version(),
				'to'    => (string) $answer['new_version'],
				'build' => (string) $answer['build']['build_hash'],
				'token' => isset( $answer['report_token'] ) ? (string) $answer['report_token'] : '',
			);
			$this->install_result = null;
			return $file;
		}

		/**
		 * Keeps what the installation of this plugin's or theme's package gave.
		 *
		 * @param mixed $result     True, or a WP_Error.
		 * @param array $hook_extra Names the plugin or theme installed.
		 * @return mixed $result, unchanged.
		 */
		public function note_install_result( $result, $hook_extra ) {
			if ( null !== $this->pending_report && is_array( $hook_extra ) ) {
				$own = 'plugin' === $this->type ? plugin_basename( $this->file ) : $this->theme_stylesheet();
				$key = 'plugin' === $this->type ? 'plugin' : 'theme';
				if ( isset( $hook_extra[ $key ] ) && $own === $hook_extra[ $key ] ) {
					$this->install_result = $result;
				}
			}
			return $result;
		}

		/**
		 * Tells Herald how the update this request installed went, once WordPress is done with
		 * it: installed, or failed (WordPress's error installing this package, or the old
		 * version still there). Herald weighs these reports to halt a bad staged rollout by
		 * itself. (WordPress deactivates an active plugin while it replaces it and activates it
		 * again afterwards, so whether it is active says nothing here.) The
		 * filter herald_updater_send_reports (false) turns them off.
		 *
		 * @param WP_Upgrader $upgrader   The upgrader that ran.
		 * @param array       $hook_extra Names the plugins or themes it upgraded.
		 */
		public function report_outcome( $upgrader, $hook_extra ) {
			if ( null === $this->pending_report || ! is_array( $hook_extra ) ) {
				return;
			}
			$own = 'plugin' === $this->type ? plugin_basename( $this->file ) : $this->theme_stylesheet();
			$key = 'plugin' === $this->type ? 'plugin' : 'theme';
			$ran = isset( $hook_extra[ $key . 's' ] ) ? (array) $hook_extra[ $key . 's' ] : ( isset( $hook_extra[ $key ] ) ? array( $hook_extra[ $key ] ) : array() );
			if ( ! in_array( $own, $ran, true ) ) {
				return;
			}
			$pending              = $this->pending_report;
			$this->pending_report = null;
			if ( ! apply_filters( 'herald_updater_send_reports', true, $this->product ) ) {
				return;
			}
			if ( 'theme' === $this->type ) {
				wp_clean_themes_cache();
			}
			$result               = $this->install_result;
			$this->install_result = null;
			$now                  = $this->installed_version();
			$report = array( 'outcome' => 'installed' );
			if ( is_wp_error( $result ) ) {
				$report = array(
					'outcome'       => 'failed',
					'error_code'    => substr( preg_replace( '/[^A-Za-z0-9_.-]/', '_', (string) $result->get_error_code() ), 0, 64 ),
					'error_message' => substr( wp_strip_all_tags( $result->get_error_message() ), 0, 1000 ),
				);
			} elseif ( $now !== $pending['to'] ) {
				$report = array(
					'outcome'       => 'failed',
					'error_code'    => 'version_unchanged',
					'error_message' => sprintf( 'The site runs %s after the update to %s.', $now, $pending['to'] ),
				);
			}
			$body     = array_merge(
				array(
					'product'           => $this->product,
					'site_url'          => home_url( '/' ),
					'from_version'      => $pending['from'],
					'to_version'        => $pending['to'],
					'build_hash'        => $pending['build'],
					'report_token'      => $pending['token'],
					'wordpress_version' => get_bloginfo( 'version' ),
					'php_version'       => PHP_VERSION,
				),
				$report
			);
			$response = wp_remote_post(
				$this->server . '/api/v1/reports',
				array(
					'timeout' => 3,
					'headers' => array( 'Content-Type' => 'application/json' ),
					'body'    => wp_json_encode( $body ),
				)
			);
			if ( is_wp_error( $response ) || 202 !== (int) wp_remote_retrieve_response_code( $response ) ) {
				error_log( sprintf( 'Herald_Updater(%s): the outcome report of %s was not taken.', $this->product, $pending['to'] ) );
			}
		}

		/**
		 * Adds "Deactivate license" (or "Activate license") to the plugin's row of the plugins page.
		 *
		 * @param array $links The row's action links.
		 * @return array The links, with this one.
		 */
		public function license_links( $links ) {
			if ( ! current_user_can( 'update_plugins' ) ) {
				return $links;
			}
			$action  = $this->option_name( 'license' );
			$do      = $this->license_deactivated() ? 'activate' : 'deactivate';
			$url     = wp_nonce_url( admin_url( 'admin-post.php?action=' . rawurlencode( $action ) . '&do=' . $do ), $action );
			$links   = is_array( $links ) ? $links : array();
			$links[] = sprintf( '<a href="%s">%s</a>', esc_url( $url ), 'activate' === $do ? esc_html( 'Activate license' ) : esc_html( 'Deactivate license' ) );
			return $links;
		}

		/**
		 * Handles the license link: frees this site's place in the license's site limit on
		 * Herald (and stops sending the key, so the next check does not take it again), or
		 * sends the key again.
		 */
		public function change_license() {
			$action = $this->option_name( 'license' );
			if ( ! current_user_can( 'update_plugins' ) || ! check_admin_referer( $action ) ) {
				wp_die( esc_html( 'Sorry, you are not allowed to do that.' ), 403 );
			}
			$do = isset( $_GET['do'] ) ? sanitize_key( wp_unslash( $_GET['do'] ) ) : '';
			if ( 'deactivate' === $do ) {
				$notice = $this->deactivate_license();
			} else {
				delete_site_option( $this->option_name( 'license_deactivated' ) );
				delete_site_transient( 'update_plugins' );
				$notice = 'The license is active on this site again.';
			}
			update_site_option( $this->option_name( 'license_notice' ), $notice );
			wp_safe_redirect( admin_url( 'plugins.php' ) );
			exit;
		}

		/**
		 * Asks Herald to free this site's place in the license's site limit.
		 *
		 * @return string What happened, for the admin.
		 */
		private function deactivate_license() {
			$site     = preg_replace( '#^https?://#i', '', untrailingslashit( home_url() ) );
			$response = wp_remote_post(
				$this->server . '/api/v1/licenses/' . rawurlencode( $this->license ) . '/sites/' . rawurlencode( $site ) . '/deactivate',
				array(
					'timeout' => self::TIMEOUT,
					'headers' => array( 'Accept' => 'application/json' ),
				)
			);
			if ( is_wp_error( $response ) ) {
				error_log( sprintf( 'Herald_Updater(%s): deactivating the license failed: %s', $this->product, $response->get_error_message() ) );
				return 'Herald could not be reached; the license is still active on this site.';
			}
			$status  = (int) wp_remote_retrieve_response_code( $response );
			$decoded = json_decode( (string) wp_remote_retrieve_body( $response ), true );
			$code    = isset( $decoded['messages'][0]['code'] ) ? (string) $decoded['messages'][0]['code'] : '';
			// 400: the site was not active on the license (a staging copy, say): nothing to free.
			if ( 200 !== $status && 400 !== $status ) {
				error_log( sprintf( 'Herald_Updater(%s): deactivating the license answered %d %s', $this->product, $status, $code ) );
				return 'Herald refused to deactivate the license on this site.';
			}
			update_site_option( $this->option_name( 'license_deactivated' ), 1 );
			delete_site_transient( 'update_plugins' );
			return 'The license was deactivated on this site; its place is free for another site.';
		}

		/**
		 * Whether the site's admin deactivated the license here.
		 *
		 * @return bool True when the key is not sent.
		 */
		private function license_deactivated() {
			return (bool) get_site_option( $this->option_name( 'license_deactivated' ) );
		}

		/**
		 * The license key the questions carry: none once deactivated on this site.
		 *
		 * @return string The key, or ''.
		 */
		private function license_key() {
			return $this->license_deactivated() ? '' : $this->license;
		}

		/**
		 * Whether WordPress is upgrading this plugin or theme.
		 *
		 * @param string $package    The package URL WordPress has.
		 * @param array  $hook_extra The upgrader's hook_extra.
		 * @return bool True for this updater's plugin or theme.
		 */
		private function is_own_upgrade( $package, array $hook_extra ) {
			if ( 'plugin' === $this->type && isset( $hook_extra['plugin'] ) ) {
				return plugin_basename( $this->file ) === $hook_extra['plugin'];
			}
			if ( 'theme' === $this->type && isset( $hook_extra['theme'] ) ) {
				return $this->theme_stylesheet() === $hook_extra['theme'];
			}
			// Without hook_extra (WordPress before 5.5): a package URL of this product on Herald.
			return self::origin_of( $package ) === $this->origin && false !== strpos( $package, '/' . rawurlencode( $this->product ) . '/' );
		}

		/**
		 * Adds the update, or the no-update record, to the update_plugins transient.
		 *
		 * @param mixed $transient The transient WordPress is about to store.
		 * @return mixed The transient.
		 */
		public function add_plugin_update( $transient ) {
			if ( ! is_object( $transient ) ) {
				return $transient;
			}
			$basename = plugin_basename( $this->file );
			$item     = $this->plugin_item();
			if ( null === $item ) {
				return $transient;
			}
			if ( ! isset( $transient->response ) || ! is_array( $transient->response ) ) {
				$transient->response = array();
			}
			if ( ! isset( $transient->no_update ) || ! is_array( $transient->no_update ) ) {
				$transient->no_update = array();
			}
			if ( isset( $item->package ) ) {
				$transient->response[ $basename ] = $item;
				unset( $transient->no_update[ $basename ] );
			} else {
				$transient->no_update[ $basename ] = $item;
				unset( $transient->response[ $basename ] );
			}
			return $transient;
		}

		/**
		 * Answers WordPress's update_plugins_{hostname} filter, for plugins with an Update URI.
		 *
		 * @param array|false $update      An answer found by another filter, or false.
		 * @param array       $plugin_data The plugin's headers.
		 * @param string      $plugin_file The plugin's basename.
		 * @return array|false The update, or $update.
		 */
		public function update_uri_answer( $update, $plugin_data, $plugin_file ) {
			if ( false !== $update || plugin_basename( $this->file ) !== $plugin_file ) {
				return $update;
			}
			$item = $this->plugin_item();
			if ( null === $item ) {
				return $update;
			}
			$answer            = (array) $item;
			$answer['version'] = $item->new_version;
			return $answer;
		}

		/**
		 * Adds the update, or the no-update record, to the update_themes transient.
		 *
		 * @param mixed $transient The transient WordPress is about to store.
		 * @return mixed The transient.
		 */
		public function add_theme_update( $transient ) {
			if ( ! is_object( $transient ) ) {
				return $transient;
			}
			$answer = $this->check();
			if ( null === $answer ) {
				return $transient;
			}
			$stylesheet = $this->theme_stylesheet();
			$item       = array(
				'theme'        => $stylesheet,
				'new_version'  => $this->installed_version(),
				'url'          => $this->server,
				'package'      => '',
				'requires'     => '',
				'requires_php' => '',
			);
			if ( ! isset( $transient->response ) || ! is_array( $transient->response ) ) {
				$transient->response = array();
			}
			if ( ! isset( $transient->no_update ) || ! is_array( $transient->no_update ) ) {
				$transient->no_update = array();
			}
			if ( $this->offers_update( $answer ) ) {
				$item['new_version']  = (string) $answer['new_version'];
				$item['package']      = (string) $answer['download_url'];
				$item['requires']     = isset( $answer['requires'] ) ? (string) $answer['requires'] : '';
				$item['requires_php'] = isset( $answer['requires_php'] ) ? (string) $answer['requires_php'] : '';
				$transient->response[ $stylesheet ] = $item;
				unset( $transient->no_update[ $stylesheet ] );
			} else {
				$transient->no_update[ $stylesheet ] = $item;
				unset( $transient->response[ $stylesheet ] );
			}
			return $transient;
		}

		/**
		 * Answers the plugin's "View details" dialog from Herald's metadata.
		 *
		 * @param false|object|array $result The result so far.
		 * @param string             $action The plugins_api action.
		 * @param object             $args   Its arguments; $args->slug names the plugin.
		 * @return false|object|array The details, or $result for other plugins.
		 */
		public function plugin_details( $result, $action, $args ) {
			if ( 'plugin_information' !== $action || ! is_object( $args ) || ! isset( $args->slug ) || $this->slug() !== $args->slug ) {
				return $result;
			}
			$details = $this->details();
			return null === $details ? $result : $details;
		}

		/**
		 * Answers the theme's details, as plugin_details does for plugins.
		 *
		 * @param false|object|array $result The result so far.
		 * @param string             $action The themes_api action.
		 * @param object             $args   Its arguments; $args->slug names the theme.
		 * @return false|object|array The details, or $result for other themes.
		 */
		public function theme_details( $result, $action, $args ) {
			if ( 'theme_information' !== $action || ! is_object( $args ) || ! isset( $args->slug ) || $this->theme_stylesheet() !== $args->slug ) {
				return $result;
			}
			$details = $this->details();
			return null === $details ? $result : $details;
		}

		/**
		 * Makes WordPress verify signatures of packages from Herald's host (the host alone, as
		 * WordPress compares it).
		 *
		 * @param array $hosts Hosts whose packages are verified.
		 * @return array The hosts, Herald's among them.
		 */
		public function signature_hosts( $hosts ) {
			$hosts = is_array( $hosts ) ? $hosts : array();
			if ( ! in_array( $this->host, $hosts, true ) ) {
				$hosts[] = $this->host;
			}
			return $hosts;
		}

		/**
		 * Adds Herald's package signing key to the keys WordPress trusts.
		 *
		 * @param array $keys Trusted Ed25519 public keys, base64.
		 * @return array The keys, Herald's among them.
		 */
		public function trusted_keys( $keys ) {
			$keys = is_array( $keys ) ? $keys : array();
			$key  = $this->signing_key();
			if ( '' !== $key && ! in_array( $key, $keys, true ) ) {
				$keys[] = $key;
			}
			return $keys;
		}

		/**
		 * Refuses, rather than merely logs, a package from Herald whose signature does not verify.
		 *
		 * @param bool   $softfail Whether a failed verification only warns.
		 * @param string $url      The package URL.
		 * @return bool False for Herald's packages.
		 */
		public function signature_softfail( $softfail, $url ) {
			return wp_parse_url( (string) $url, PHP_URL_HOST ) === $this->host ? false : $softfail;
		}

		/**
		 * Shows the messages of Herald's last answer to people who can update.
		 */
		public function show_messages() {
			if ( ! current_user_can( 'plugin' === $this->type ? 'update_plugins' : 'update_themes' ) ) {
				return;
			}
			$license_notice = get_site_option( $this->option_name( 'license_notice' ) );
			if ( is_string( $license_notice ) && '' !== $license_notice ) {
				delete_site_option( $this->option_name( 'license_notice' ) );
				printf( '<div class="notice notice-info is-dismissible"><p><strong>%1$s</strong> %2$s</p></div>', esc_html( $this->product . ':' ), esc_html( $license_notice ) );
			}
			$stored = get_site_option( $this->option_name( 'answer' ) );
			if ( ! is_array( $stored ) || empty( $stored['messages'] ) || ! is_array( $stored['messages'] ) ) {
				return;
			}
			$classes = array(
				'error'   => 'notice-error',
				'warning' => 'notice-warning',
			);
			foreach ( $stored['messages'] as $message ) {
				if ( ! is_array( $message ) || empty( $message['message'] ) || ( isset( $message['code'] ) && 'no_channel' === $message['code'] ) ) {
					continue;
				}
				$type  = isset( $message['type'], $classes[ $message['type'] ] ) ? $classes[ $message['type'] ] : 'notice-info';
				printf(
					'<div class="notice %1$s is-dismissible"><p><strong>%2$s</strong> %3$s</p></div>',
					esc_attr( $type ),
					esc_html( $this->product . ':' ),
					esc_html( (string) $message['message'] )
				);
			}
		}

		/**
		 * The update_plugins item for this plugin: with a package when Herald offers one.
		 *
		 * @return object|null Null when Herald has not answered yet.
		 */
		private function plugin_item() {
			$answer = $this->check();
			if ( null === $answer ) {
				return null;
			}
			$item = (object) array(
				'id'           => $this->host . '/' . $this->product,
				'slug'         => $this->slug(),
				'plugin'       => plugin_basename( $this->file ),
				'new_version'  => $this->installed_version(),
				'url'          => $this->server,
				'icons'        => array(),
				'banners'      => array(),
				'banners_rtl'  => array(),
				'tested'       => '',
				'requires'     => '',
				'requires_php' => '',
			);
			if ( $this->offers_update( $answer ) ) {
				$item->new_version  = (string) $answer['new_version'];
				$item->package      = (string) $answer['download_url'];
				$item->tested       = isset( $answer['tested'] ) ? (string) $answer['tested'] : '';
				$item->requires     = isset( $answer['requires'] ) ? (string) $answer['requires'] : '';
				$item->requires_php = isset( $answer['requires_php'] ) ? (string) $answer['requires_php'] : '';
			}
			return $item;
		}

		/**
		 * Herald's check_for_update answer for this site: fresh and verified, or (when
		 * `$fallback`) the last good one while Herald cannot answer; null when there is none.
		 *
		 * @param bool $fallback Whether the last good answer stands in for a failed one.
		 * @return array|null The answer's `response`, with its `messages`.
		 */
		private function check( $fallback = true ) {
			$channel = $this->channel();
			$query   = array(
				'product_name'            => $this->product,
				'release_channel'         => $channel,
				'current_product_version' => $this->installed_version(),
				'wordpress_version'       => get_bloginfo( 'version' ),
				'php_version'             => PHP_VERSION,
				'site_url'                => home_url( '/' ),
				'license'                 => $this->license_key(),
			);
			$key = md5( wp_json_encode( $query ) );
			if ( isset( $this->answers[ $key ] ) ) {
				return $this->answers[ $key ];
			}
			$refusal  = null;
			$envelope = $this->get_json( '/api/check_for_update/?' . http_build_query( $query, '', '&' ), $refusal, true );
			$stored   = get_site_option( $this->option_name( 'answer' ) );
			if ( null !== $envelope && ! $this->is_answer_for_this_site( $envelope, $channel ) ) {
				$envelope = null;
			}
			if ( null !== $refusal ) {
				// Herald refused this site (a license that is invalid, expired, revoked or over
				// its site limit): no package, and the reason shown to the site's admins.
				$answer = array(
					'update_available' => false,
					'channel'          => $channel,
					'messages'         => $refusal,
				);
				update_site_option( $this->option_name( 'answer' ), $answer );
				$this->answers[ $key ] = $answer;
				return $answer;
			}
			if ( null === $envelope ) {
				// Only an answer this updater verified (an earlier version's stored ones name no expiry).
				$last = $fallback && is_array( $stored ) && isset( $stored['channel'], $stored['expires'] ) && $stored['channel'] === $channel ? $stored : null;
				$this->answers[ $key ] = $last;
				return $last;
			}
			$answer = $envelope['response'];
			// What an outcome report of this update must carry: Herald binds it to this site.
			$answer['report_token'] = $this->report_token;
			// The channel that answered: the one asked for, or the customer channel a license is
			// bound to, learnt from an answer that offers no downgrade. A downgrade is taken only
			// from one of those two (another license's customer channel may serve an old build).
			$answer['served_channel'] = (string) $answer['channel'];
			if ( empty( $answer['downgrade'] ) ) {
				update_site_option( $this->option_name( 'bound_channel' ), $answer['served_channel'] );
			}
			$answer['channel']  = $channel;
			$answer['messages'] = isset( $envelope['messages'] ) && is_array( $envelope['messages'] ) ? $envelope['messages'] : array();
			update_site_option( $this->option_name( 'answer' ), $answer );
			$this->answers[ $key ] = $answer;
			return $answer;
		}

		/**
		 * Whether a verified check_for_update envelope is an answer to this site's question:
		 * this product, the channel asked for (or, with a license, the customer channel it is
		 * bound to), not expired, and a package offered only from Herald's origin with the
		 * SHA-384 it must have.
		 *
		 * @param array  $envelope The decoded answer.
		 * @param string $channel  The channel asked for.
		 * @return bool False, with a log line, when anything is off.
		 */
		private function is_answer_for_this_site( array $envelope, $channel ) {
			$answer = isset( $envelope['response'] ) && is_array( $envelope['response'] ) ? $envelope['response'] : null;
			$reason = '';
			if ( null === $answer ) {
				$reason = 'it has no response';
			} elseif ( ! isset( $answer['product_id'] ) || $this->product !== $answer['product_id'] ) {
				$reason = 'it is for another product';
			} elseif ( ! isset( $answer['requested_channel'], $answer['channel'] ) || $channel !== $answer['requested_channel']
				|| ( $channel !== $answer['channel'] && '' === $this->license_key() ) ) {
				// Answered from another channel only for a license bound to a customer channel.
				$reason = 'it is for another channel';
			} elseif ( ! isset( $answer['expires'] ) || ! is_int( $answer['expires'] ) || $answer['expires'] <= time() ) {
				$reason = 'it has expired';
			} elseif ( ! empty( $answer['update_available'] ) && ! empty( $answer['download_url'] ) ) {
				if ( self::origin_of( (string) $answer['download_url'] ) !== $this->origin ) {
					$reason = 'its package is on another host (' . self::origin_of( (string) $answer['download_url'] ) . ')';
				} elseif ( ! isset( $answer['build']['sha384'] ) || ! preg_match( '/^[0-9a-f]{96}$/i', (string) $answer['build']['sha384'] ) ) {
					$reason = 'it names no package SHA-384';
				}
			}
			if ( '' === $reason ) {
				return true;
			}
			error_log( sprintf( 'Herald_Updater(%s): an answer was refused: %s.', $this->product, $reason ) );
			return false;
		}

		/**
		 * Scheme, host and port of a URL, lower-cased, the port always written.
		 *
		 * @param string $url A URL.
		 * @return string Such as `https://updates.example.com:443`; '' for no URL.
		 */
		private static function origin_of( $url ) {
			$parts = wp_parse_url( $url );
			if ( ! is_array( $parts ) || empty( $parts['scheme'] ) || empty( $parts['host'] ) ) {
				return '';
			}
			$scheme = strtolower( $parts['scheme'] );
			$port   = isset( $parts['port'] ) ? (int) $parts['port'] : ( 'https' === $scheme ? 443 : 80 );
			return $scheme . '://' . strtolower( $parts['host'] ) . ':' . $port;
		}

		/**
		 * Whether an answer offers a package newer than the installed version, or an older one
		 * that the signed answer marks as a downgrade (the installed version was yanked). Every
		 * answer kept here was verified; the last good one, used while Herald cannot be reached,
		 * may predate an update installed since.
		 *
		 * @param array $answer A check_for_update answer.
		 * @return bool True when the answer's package should be offered.
		 */
		private function offers_update( array $answer ) {
			if ( empty( $answer['update_available'] ) || empty( $answer['download_url'] ) || ! isset( $answer['new_version'] ) ) {
				return false;
			}
			if ( version_compare( (string) $answer['new_version'], $this->installed_version(), '>' ) ) {
				return true;
			}
			$lower = version_compare( (string) $answer['new_version'], $this->installed_version(), '<' );
			if ( $lower && isset( $answer['downgrade'], $answer['served_channel'], $answer['requested_channel'] ) && true === $answer['downgrade']
				&& isset( $answer['current_version'] ) && $this->installed_version() === $answer['current_version']
				&& ( $answer['served_channel'] === $answer['requested_channel'] || get_site_option( $this->option_name( 'bound_channel' ) ) === $answer['served_channel'] ) ) {
				return true;
			}
			if ( $lower ) {
				error_log( sprintf( 'Herald_Updater(%s): an answer offering %s, lower than the installed %s, was refused.', $this->product, $answer['new_version'], $this->installed_version() ) );
			}
			return false;
		}

		/**
		 * The "View details" answer built from Herald's plugin-update-checker metadata.
		 *
		 * @return object|null Null when Herald cannot answer.
		 */
		private function details() {
			$query    = array(
				'action'            => 'get_metadata',
				'slug'              => $this->product,
				'channel'           => $this->channel(),
				'installed_version' => $this->installed_version(),
				'php'               => PHP_VERSION,
				'locale'            => get_locale(),
				'license'           => $this->license_key(),
				'site_url'          => home_url( '/' ),
			);
			$unused   = null;
			$metadata = $this->get_json( '/wordpress/?' . http_build_query( $query, '', '&' ), $unused, true );
			if ( null === $metadata || empty( $metadata['version'] ) ) {
				return null;
			}
			$author = isset( $metadata['author'] ) ? esc_html( (string) $metadata['author'] ) : '';
			if ( '' !== $author && ! empty( $metadata['author_homepage'] ) ) {
				$author = sprintf( '<a href="%s">%s</a>', esc_url( (string) $metadata['author_homepage'] ), $author );
			}
			$details = array(
				'name'          => isset( $metadata['name'] ) ? (string) $metadata['name'] : $this->product,
				'slug'          => 'plugin' === $this->type ? $this->slug() : $this->theme_stylesheet(),
				'version'       => (string) $metadata['version'],
				'author'        => $author,
				'homepage'      => isset( $metadata['homepage'] ) ? (string) $metadata['homepage'] : '',
				'requires'      => isset( $metadata['requires'] ) ? (string) $metadata['requires'] : '',
				'tested'        => isset( $metadata['tested'] ) ? (string) $metadata['tested'] : '',
				'requires_php'  => isset( $metadata['requires_php'] ) ? (string) $metadata['requires_php'] : '',
				'last_updated'  => isset( $metadata['last_updated'] ) ? (string) $metadata['last_updated'] : '',
				'download_link' => isset( $metadata['download_url'] ) ? (string) $metadata['download_url'] : '',
				'sections'      => isset( $metadata['sections'] ) && is_array( $metadata['sections'] ) ? $metadata['sections'] : array(),
				'banners'       => isset( $metadata['banners'] ) && is_array( $metadata['banners'] ) ? $metadata['banners'] : array(),
				'icons'         => isset( $metadata['icons'] ) && is_array( $metadata['icons'] ) ? $metadata['icons'] : array(),
			);
			if ( ! empty( $metadata['upgrade_notice'] ) ) {
				$details['upgrade_notice'] = (string) $metadata['upgrade_notice'];
			}
			return (object) $details;
		}

		/**
		 * GETs a path of Herald and decodes its JSON; null, with a log line, on any failure.
		 *
		 * @param string     $path    The path and query, from the server's root.
		 * @param array|null $refusal Set to the error messages when Herald answers 403 with its envelope.
		 * @param bool       $signed  Whether a 200 answer must carry a signature that verifies.
		 * @return array|null The decoded JSON.
		 */
		private function get_json( $path, &$refusal = null, $signed = false ) {
			$response = wp_remote_get(
				$this->server . $path,
				array(
					'timeout' => self::TIMEOUT,
					'headers' => array( 'Accept' => 'application/json' ),
				)
			);
			// The license key stays out of the log.
			$logged = preg_replace( '/(license=)[^&]*/', '$1[redacted]', $path );
			if ( is_wp_error( $response ) ) {
				error_log( sprintf( 'Herald_Updater(%s): %s failed: %s', $this->product, $logged, $response->get_error_message() ) );
				return null;
			}
			$status   = (int) wp_remote_retrieve_response_code( $response );
			$decoded  = json_decode( (string) wp_remote_retrieve_body( $response ), true );
			$verified = ! $signed || $this->verifies( (string) wp_remote_retrieve_header( $response, 'x-herald-signature' ), (string) wp_remote_retrieve_body( $response ) );
			// A refusal is believed only when Herald signed it; else it is a failure like any other.
			if ( 403 === $status && $verified && is_array( $decoded ) && isset( $decoded['messages'] ) && is_array( $decoded['messages'] ) ) {
				$refusal = $decoded['messages'];
			}
			if ( 200 !== $status || ! is_array( $decoded ) ) {
				$reason = is_array( $decoded ) && isset( $decoded['messages'][0]['message'] ) ? (string) $decoded['messages'][0]['message'] : 'not a JSON answer';
				error_log( sprintf( 'Herald_Updater(%s): %s answered %d: %s', $this->product, $logged, $status, $reason ) );
				return null;
			}
			if ( ! $verified ) {
				error_log( sprintf( 'Herald_Updater(%s): %s: the answer\'s signature does not verify; refused.', $this->product, $logged ) );
				return null;
			}
			$this->report_token = (string) wp_remote_retrieve_header( $response, 'x-herald-report-token' );
			return $decoded;
		}

		/**
		 * Whether `$signature` (base64) is Herald's Ed25519 signature of `$body`, by the pinned key.
		 *
		 * @param string $signature The X-Herald-Signature header.
		 * @param string $body      The answer's body, as received.
		 * @return bool True when it verifies.
		 */
		private function verifies( $signature, $body ) {
			$key       = base64_decode( $this->signing_key(), true );
			$signature = base64_decode( $signature, true );
			if ( false === $key || 32 !== strlen( $key ) || false === $signature || 64 !== strlen( $signature ) ) {
				return false;
			}
			try {
				return sodium_crypto_sign_verify_detached( $signature, $body, $key );
			} catch ( Throwable $error ) {
				return false;
			}
		}

		/**
		 * The key packages are signed with: the one given, else Herald's, fetched once and
		 * then pinned, so a key that changes later is not trusted silently.
		 *
		 * @return string Base64, or '' while unknown.
		 */
		private function signing_key() {
			if ( '' !== $this->public_key ) {
				return $this->public_key;
			}
			$option = $this->option_name( 'signing_key_' . $this->host );
			$pinned = get_site_option( $option );
			if ( is_string( $pinned ) && '' !== $pinned ) {
				return $pinned;
			}
			$answer = $this->get_json( '/api/signing_key' );
			$key    = isset( $answer['response']['public_key'] ) ? (string) $answer['response']['public_key'] : '';
			$raw    = base64_decode( $key, true );
			if ( false === $raw || 32 !== strlen( $raw ) ) {
				return '';
			}
			add_site_option( $option, $key );
			return $key;
		}

		/**
		 * The channel this site asks for: the site's choice (option herald_channel_PRODUCT), else
		 * the one the plugin or theme was built with.
		 *
		 * @return string The channel id.
		 */
		private function channel() {
			$chosen = get_option( 'herald_channel_' . $this->product );
			return is_string( $chosen ) && '' !== $chosen ? $chosen : $this->default_channel;
		}

		/**
		 * The version installed now, from the plugin's header or the theme's style.css.
		 *
		 * @return string The version, or '0' when unreadable.
		 */
		private function installed_version() {
			if ( 'theme' === $this->type ) {
				$version = wp_get_theme( $this->theme_stylesheet() )->get( 'Version' );
			} else {
				$headers = get_file_data( $this->file, array( 'Version' => 'Version' ) );
				$version = $headers['Version'];
			}
			return is_string( $version ) && '' !== $version ? $version : '0';
		}

		/**
		 * The plugin's slug as plugins_api names it: its folder.
		 *
		 * @return string The slug.
		 */
		private function slug() {
			$basename = plugin_basename( $this->file );
			$folder   = dirname( $basename );
			return '.' === $folder ? basename( $basename, '.php' ) : $folder;
		}

		/**
		 * The theme's stylesheet: the folder under the theme root that holds $file.
		 *
		 * @return string The stylesheet.
		 */
		private function theme_stylesheet() {
			$root     = wp_normalize_path( get_theme_root() );
			$relative = ltrim( substr( wp_normalize_path( $this->file ), strlen( $root ) ), '/' );
			$parts    = explode( '/', $relative );
			return $parts[0];
		}

		/**
		 * The host named by the plugin's Update URI header, or Herald's.
		 *
		 * @return string The host.
		 */
		private function update_uri_host() {
			$headers = get_file_data( $this->file, array( 'UpdateURI' => 'Update URI' ) );
			$host    = empty( $headers['UpdateURI'] ) ? '' : (string) wp_parse_url( $headers['UpdateURI'], PHP_URL_HOST );
			return '' !== $host ? $host : $this->host;
		}

		/**
		 * True when $file lies under the theme root.
		 *
		 * @param string $file A file of the plugin or theme.
		 * @return bool Whether it belongs to a theme.
		 */
		private function is_theme_file( $file ) {
			$root = wp_normalize_path( get_theme_root() );
			return '' !== $root && 0 === strpos( wp_normalize_path( $file ), $root . '/' );
		}

		/**
		 * The name of one of this updater's options.
		 *
		 * @param string $what What the option holds.
		 * @return string The option name.
		 */
		private function option_name( $what ) {
			return 'herald_' . $this->type . '_' . $this->product . '_' . $what;
		}
	}
}
