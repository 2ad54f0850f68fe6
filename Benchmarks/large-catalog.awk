# SQL for a large catalog, valid on SQLite and PostgreSQL: awk -v products=1000 -f ...
# bench_p1..bench_pN, each with channels c1..c20 and 50 builds; channel cK serves build K+30.
# The rows are what the store writes on upload (update checks read no blob, so none is made).
function hash(p, b) { return sprintf("%08x%08x%048d", p, b, 0) }
BEGIN {
    print "BEGIN;"
    for (p = 1; p <= products; p++) {
        printf "INSERT INTO products (id, name, kind, created_at) VALUES ('bench_p%d', 'Bench Plugin %d', 'plugin', 0);\n", p, p
        for (b = 1; b <= 50; b++) {
            printf "INSERT INTO builds (hash, md5, product_id, version, channel_id, uploaded_at, size, file_name, is_latest, requires, requires_php, changelog) VALUES ('%s', '%032d', 'bench_p%d', '2.%d', 'c%d', %d, 1000, 'bench_p%d.zip', TRUE, '5.9', '7.4', 'Fixes %d.');\n", hash(p, b), 0, p, b, 1 + b % 20, 1700000000000 + b, p, b
        }
        for (c = 1; c <= 20; c++) {
            printf "INSERT INTO channels (product_id, id, name, latest_build, created_at) VALUES ('bench_p%d', 'c%d', 'Channel %d', '%s', 0);\n", p, c, c, hash(p, c + 30)
        }
    }
    print "COMMIT;"
}
