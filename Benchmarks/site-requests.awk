# Writes one update check per site: awk -v sites=N -v kind=check|metadata -v products=P
#   -v licenses=FILE -f Benchmarks/site-requests.awk
# Sites differ in address, installed version, WordPress and PHP versions; 10% follow beta; 5%
# run the premium plugin with a valid license (FILE: one key per line, each key used by 10
# sites, its site limit). products > 0 spreads the sites over bench_p1..bench_pP and
# channels c1..c20 (the large catalog) instead.
BEGIN {
    srand(42)
    split("1.0 1.1 1.2 1.3 1.4 1.5 1.6 1.7 1.8 1.9 2.0", installed, " ")
    split("5.9.3 6.0.2 6.1.9 6.2.5 6.3.4 6.4.3 6.5.5 6.6.2 6.7.1", wordpress, " ")
    split("7.4.33 8.0.30 8.1.27 8.2.18 8.3.6", php, " ")
    nkeys = 0
    if (licenses != "") while ((getline key < licenses) > 0) keys[++nkeys] = key
    for (i = 1; i <= sites; i++) {
        site = "https%3A%2F%2Fsite-" i ".example.com"
        v = installed[1 + int(rand() * 11)]
        wp = wordpress[1 + int(rand() * 9)]
        p = php[1 + int(rand() * 5)]
        channel = rand() < 0.1 ? "beta" : "stable"
        product = "bench_plugin"
        license = ""
        if (products > 0) {
            product = "bench_p" (1 + int(rand() * products))
            channel = "c" (1 + int(rand() * 20))
        } else if (nkeys > 0 && rand() < 0.05 && premium < nkeys * 10) {
            # Each license has 10 sites.
            product = "bench_premium"
            channel = "stable"
            license = "&license=" keys[1 + int(premium / 10)]
            premium++
        }
        if (kind == "metadata") {
            printf "/wordpress/?action=get_metadata&slug=%s&installed_version=%s&php=%s&channel=%s&checking_for_updates=1%s\tWordPress/%s; https://site-%d.example.com\n", product, v, p, channel, license, wp, i
        } else {
            printf "/api/check_for_update/?product_name=%s&release_channel=%s&current_product_version=%s&wordpress_version=%s&php_version=%s&site_url=%s%s\t\n", product, channel, v, wp, p, site, license
        }
    }
}
