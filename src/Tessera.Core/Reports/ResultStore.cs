using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tessera.Diagnostics;

namespace Tessera.Reports;

/// <summary>
/// Results kept in one SQLite file: a row per run (its manifest, point id and kind) with its metrics, and the cells of
/// its tables as child rows. Each append is one transaction, so a run killed while writing leaves the rows before it
/// and none of its own. A file that is not a Tessera store, or is from a newer schema, is refused and never written.
/// A store holds the points of one sweep at most (<c>meta.sweep</c>), each row with its sweep and position.
/// </summary>
public sealed class ResultStore
{
    /// <summary>The schema this build writes, kept in <c>PRAGMA user_version</c>; older stores are upgraded, newer refused.</summary>
    public const int SchemaVersion = 2;

    /// <summary>The value of <c>meta.format</c> that marks a Tessera result store.</summary>
    public const string Format = "tessera-results";


    private const string Schema = """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, point TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
            feasible INTEGER NOT NULL, date_utc TEXT NOT NULL, version TEXT NOT NULL, commit_id TEXT, command_line TEXT NOT NULL,
            cost_model TEXT, seed INTEGER, manifest TEXT NOT NULL, sweep TEXT, sweep_index INTEGER);
        CREATE INDEX runs_point ON runs (point);
        CREATE TABLE metrics (run INTEGER NOT NULL REFERENCES runs (id), name TEXT NOT NULL, kind TEXT NOT NULL, value REAL,
            PRIMARY KEY (run, name));
        CREATE TABLE result_tables (run INTEGER NOT NULL REFERENCES runs (id), tbl INTEGER NOT NULL, title TEXT NOT NULL,
            caption TEXT NOT NULL, notes TEXT NOT NULL, PRIMARY KEY (run, tbl));
        CREATE TABLE result_columns (run INTEGER NOT NULL, tbl INTEGER NOT NULL, col INTEGER NOT NULL, header TEXT NOT NULL,
            kind TEXT NOT NULL, PRIMARY KEY (run, tbl, col));
        CREATE TABLE cells (run INTEGER NOT NULL, tbl INTEGER NOT NULL, row INTEGER NOT NULL, col INTEGER NOT NULL,
            number REAL, text TEXT, PRIMARY KEY (run, tbl, row, col));
        """;

    /// <summary>Schema 1 → 2: runs gain the sweep they are a point of and their position in it.</summary>
    private const string UpgradeFrom1 = "ALTER TABLE runs ADD COLUMN sweep TEXT; ALTER TABLE runs ADD COLUMN sweep_index INTEGER;";

    private readonly string _connection;

    public string Path { get; }

    /// <summary>
    /// Opens a store, checking an existing file without writing to it (beyond rolling back a killed writer's journal; a
    /// missing or empty file becomes a new store on the first append). Throws <see cref="TesseraInputException"/> for a file that is not a Tessera store or is newer.
    /// </summary>
    public ResultStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        // No pooling: the file is released after each operation, so a killed process holds nothing open.
        _connection = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString();
        if (File.Exists(Path) && new FileInfo(Path).Length > 0) Check();
    }

    private ResultStore(string connection, string path)
    {
        _connection = connection;
        Path = path;
    }

    /// <summary>
    /// Appends a small run to a store in memory and throws it away, so that a command's own append, made after it has
    /// computed, finds SQLite loaded and the writer compiled; run on another core while the command computes.
    /// </summary>
    public static void WarmUp()
    {
        var table = new ResultTable("t", "", [new ResultColumn("a", ValueKind.Text), new ResultColumn("b", ValueKind.Seconds)], [["x", 1e-3]], ["n"]);
        new ResultStore("Data Source=:memory:", ":memory:").Append(Manifest.Create([], []),
            new StoredRun("run", "", "", true, [new Metric("m", 1, ValueKind.Seconds)], [table]));
    }

    private void Check()
    {
        // Read-write without create: reading a store left by a killed writer rolls its hot journal back first, which needs write access.
        var existing = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false, Mode = SqliteOpenMode.ReadWrite }.ToString();
        try
        {
            using var db = new SqliteConnection(existing);
            db.Open();
            long version = Version(db);
            bool hasMeta = Scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'") is > 0L;
            string? format = hasMeta ? Scalar(db, "SELECT value FROM meta WHERE key = 'format'") as string : null;
            if (format != Format)
                throw new TesseraInputException($"{Path}: an SQLite database but not a Tessera result store (no meta.format = {Format}); " +
                    "expected a file written by --store, or a new path");
            if (version > SchemaVersion)
                throw new TesseraInputException($"{Path}: a Tessera result store of schema {version}, newer than this Tessera's {SchemaVersion}; " +
                    "expected a store written by this version or an older one (upgrade Tessera, or use a new path)");
        }
        catch (SqliteException e)
        {
            throw new TesseraInputException($"{Path}: not a Tessera result store ({e.Message}); expected an SQLite file written by --store, or a new path");
        }
    }

    private static object? Scalar(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private SqliteConnection Open()
    {
        var db = new SqliteConnection(_connection);
        db.Open();
        return db;
    }

    /// <summary>Appends a run in one transaction and returns its row id; creates the schema in a new file.</summary>
    public long Append(Manifest manifest, StoredRun run)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(run);
        using var db = Open();
        using var transaction = db.BeginTransaction();
        SqliteCommand Command(string sql)
        {
            var c = db.CreateCommand();
            c.Transaction = transaction;
            c.CommandText = sql;
            return c;
        }
        // Re-checked inside the transaction: another writer may have created the file since this store was opened.
        using (var version = Command("PRAGMA user_version"))
        {
            long found = (long)version.ExecuteScalar()!;
            var upgrade = found switch
            {
                0 => Schema + $"INSERT INTO meta VALUES ('format', '{Format}');",
                1 => UpgradeFrom1,
                _ => null,
            };
            if (upgrade is not null)
            {
                using var create = Command(upgrade + $"PRAGMA user_version = {SchemaVersion};");
                create.ExecuteNonQuery();
            }
        }
        if (run.Sweep is { } sweep)
        {
            // The first point claims the store for its sweep; a point of another sweep is refused inside the same transaction.
            using var claim = Command("INSERT OR IGNORE INTO meta VALUES ('sweep', $sweep); SELECT value FROM meta WHERE key = 'sweep'");
            claim.Parameters.AddWithValue("$sweep", sweep);
            if (claim.ExecuteScalar() is string owner && owner != sweep)
                throw new TesseraInputException(OtherSweep(owner, sweep));
        }
        long id;
        using (var insert = Command("""
            INSERT INTO runs (point, kind, name, feasible, date_utc, version, commit_id, command_line, cost_model, seed, manifest, sweep, sweep_index)
            VALUES ($point, $kind, $name, $feasible, $date, $version, $commit, $command, $cost, $seed, $manifest, $sweep, $index) RETURNING id
            """))
        {
            insert.Parameters.AddWithValue("$point", run.Point);
            insert.Parameters.AddWithValue("$kind", run.Kind);
            insert.Parameters.AddWithValue("$name", run.Name);
            insert.Parameters.AddWithValue("$feasible", run.Feasible ? 1 : 0);
            insert.Parameters.AddWithValue("$date", manifest.DateUtc);
            insert.Parameters.AddWithValue("$version", manifest.Version);
            insert.Parameters.AddWithValue("$commit", (object?)manifest.Commit ?? DBNull.Value);
            insert.Parameters.AddWithValue("$command", string.Join(' ', manifest.CommandLine));
            insert.Parameters.AddWithValue("$cost", (object?)manifest.CostModel ?? DBNull.Value);
            insert.Parameters.AddWithValue("$seed", (object?)manifest.Seed ?? DBNull.Value);
            insert.Parameters.AddWithValue("$manifest", JsonSerializer.Serialize(manifest, ManifestJson.Default.Manifest));
            insert.Parameters.AddWithValue("$sweep", (object?)run.Sweep ?? DBNull.Value);
            insert.Parameters.AddWithValue("$index", (object?)run.SweepIndex ?? DBNull.Value);
            id = (long)insert.ExecuteScalar()!;
        }
        using (var metric = Command("INSERT INTO metrics VALUES ($run, $name, $kind, $value)"))
            foreach (var m in run.Metrics)
                Execute(metric, ("$run", id), ("$name", m.Name), ("$kind", m.Kind.ToString()), ("$value", Number(m.Value)));
        using var table = Command("INSERT INTO result_tables VALUES ($run, $tbl, $title, $caption, $notes)");
        using var column = Command("INSERT INTO result_columns VALUES ($run, $tbl, $col, $header, $kind)");
        using var cell = Command("INSERT INTO cells VALUES ($run, $tbl, $row, $col, $number, $text)");
        foreach (var (t, ti) in run.Tables.Select((t, i) => (t, i)))
        {
            Execute(table, ("$run", id), ("$tbl", ti), ("$title", t.Title), ("$caption", t.Caption), ("$notes", string.Join('\n', t.Notes)));
            foreach (var (c, ci) in t.Columns.Select((c, i) => (c, i)))
                Execute(column, ("$run", id), ("$tbl", ti), ("$col", ci), ("$header", c.Header), ("$kind", c.Kind.ToString()));
            foreach (var (row, ri) in t.Rows.Select((r, i) => (r, i)))
            {
                if (row.Length != t.Columns.Length)
                    throw new ArgumentException($"table '{t.Title}' row {ri} has {row.Length} cells for {t.Columns.Length} columns", nameof(run));
                foreach (var (v, ci) in row.Select((v, i) => (v, i)))
                    Execute(cell, ("$run", id), ("$tbl", ti), ("$row", ri), ("$col", ci), ("$number", v.Text is null ? Number(v.Number) : DBNull.Value),
                        ("$text", (object?)v.Text ?? DBNull.Value));
            }
        }
        transaction.Commit();
        return id;
    }

    private string OtherSweep(string owner, string sweep) =>
        $"{Path} holds the points of sweep {owner}, and this is sweep {sweep} (another spec, or the same spec expanding to other points); " +
        "expected the store this sweep wrote, or a new path";

    /// <summary>The sweep whose points the store holds; null for a store without sweep points (or not yet written).</summary>
    public string? Sweep()
    {
        if (!Written) return null;
        using var db = Open();
        if (Version(db) < 2) return null;
        return Scalar(db, "SELECT value FROM meta WHERE key = 'sweep'") as string;
    }

    /// <summary>Refuses a store that holds the points of another sweep than <paramref name="sweep"/>, before any point runs.</summary>
    public void CheckSweep(string sweep)
    {
        if (Sweep() is { } owner && owner != sweep) throw new TesseraInputException(OtherSweep(owner, sweep));
    }

    /// <summary>The ids of the points of this sweep already stored (a rerun skips them).</summary>
    public ImmutableHashSet<string> PointsOf(string sweep)
    {
        if (Sweep() != sweep) return [];
        using var db = Open();
        using var select = db.CreateCommand();
        select.CommandText = "SELECT point FROM runs WHERE sweep = $sweep";
        select.Parameters.AddWithValue("$sweep", sweep);
        using var reader = select.ExecuteReader();
        var points = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        while (reader.Read()) points.Add(reader.GetString(0));
        return points.ToImmutable();
    }

    private bool Written => File.Exists(Path) && new FileInfo(Path).Length > 0;

    private static long Version(SqliteConnection db) => Scalar(db, "PRAGMA user_version") is long v ? v : 0;

    // SQLite stores NaN as NULL; infinities are kept.
    private static object Number(double value) => double.IsNaN(value) ? DBNull.Value : value;

    private static void Execute(SqliteCommand command, params (string Name, object Value)[] values)
    {
        command.Parameters.Clear();
        foreach (var (name, value) in values) command.Parameters.AddWithValue(name, value);
        command.ExecuteNonQuery();
    }

    /// <summary>Every run, oldest first, with its manifest and metrics (an empty list for a store not yet written).</summary>
    public ImmutableArray<StoredRunSummary> List() => Runs(null);

    /// <summary>One run with its tables; an input error naming the ids there are when it is not in the store.</summary>
    public (StoredRunSummary Run, ImmutableArray<ResultTable> Tables) Show(long id)
    {
        var run = Runs(id).FirstOrDefault()
            ?? throw new TesseraInputException($"{Path}: no run {id}; expected one of the ids 'tessera results list' prints");
        using var db = Open();
        var tables = new List<ResultTable>();
        using var select = db.CreateCommand();
        select.CommandText = "SELECT tbl, title, caption, notes FROM result_tables WHERE run = $run ORDER BY tbl";
        select.Parameters.AddWithValue("$run", id);
        using (var reader = select.ExecuteReader())
            while (reader.Read())
                tables.Add(new ResultTable(reader.GetString(1), reader.GetString(2), [], [],
                    [.. reader.GetString(3).Split('\n', StringSplitOptions.RemoveEmptyEntries)]));
        for (int t = 0; t < tables.Count; t++)
        {
            var columns = Rows(db, "SELECT header, kind FROM result_columns WHERE run = $run AND tbl = $tbl ORDER BY col", id, t,
                r => new ResultColumn(r.GetString(0), Enum.Parse<ValueKind>(r.GetString(1))));
            var cells = Rows(db, "SELECT row, number, text FROM cells WHERE run = $run AND tbl = $tbl ORDER BY row, col", id, t,
                r => (Row: r.GetInt64(0), Value: r.IsDBNull(2) ? new ResultValue(r.IsDBNull(1) ? double.NaN : r.GetDouble(1)) : new ResultValue(double.NaN, r.GetString(2))));
            tables[t] = tables[t] with
            {
                Columns = columns,
                Rows = [.. cells.GroupBy(c => c.Row).Select(g => g.Select(c => c.Value).ToImmutableArray())],
            };
        }
        return (run, [.. tables]);
    }

    private static ImmutableArray<T> Rows<T>(SqliteConnection db, string sql, long run, int table, Func<SqliteDataReader, T> read)
    {
        using var select = db.CreateCommand();
        select.CommandText = sql;
        select.Parameters.AddWithValue("$run", run);
        select.Parameters.AddWithValue("$tbl", table);
        using var reader = select.ExecuteReader();
        var rows = ImmutableArray.CreateBuilder<T>();
        while (reader.Read()) rows.Add(read(reader));
        return rows.ToImmutable();
    }

    private ImmutableArray<StoredRunSummary> Runs(long? id)
    {
        if (!Written) return [];
        using var db = Open();
        var metrics = new Dictionary<long, List<Metric>>();
        using (var select = db.CreateCommand())
        {
            select.CommandText = "SELECT run, name, kind, value FROM metrics" + (id is null ? " ORDER BY run, rowid" : " WHERE run = $id ORDER BY rowid");
            if (id is { } one) select.Parameters.AddWithValue("$id", one);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                if (!metrics.TryGetValue(reader.GetInt64(0), out var list)) metrics[reader.GetInt64(0)] = list = [];
                list.Add(new Metric(reader.GetString(1), reader.IsDBNull(3) ? double.NaN : reader.GetDouble(3), Enum.Parse<ValueKind>(reader.GetString(2))));
            }
        }
        using var runs = db.CreateCommand();
        // A schema-1 store (read, never upgraded by reading) has no sweep columns.
        var sweep = Version(db) < 2 ? "NULL, NULL" : "sweep, sweep_index";
        runs.CommandText = $"SELECT id, point, kind, name, feasible, date_utc, manifest, {sweep} FROM runs" + (id is null ? " ORDER BY id" : " WHERE id = $id");
        if (id is { } wanted) runs.Parameters.AddWithValue("$id", wanted);
        using var rows = runs.ExecuteReader();
        var result = ImmutableArray.CreateBuilder<StoredRunSummary>();
        while (rows.Read())
            result.Add(new StoredRunSummary(rows.GetInt64(0), rows.GetString(1), rows.GetString(2), rows.GetString(3), rows.GetInt64(4) != 0,
                rows.GetString(5), JsonSerializer.Deserialize(rows.GetString(6), ManifestJson.Default.Manifest)!,
                metrics.TryGetValue(rows.GetInt64(0), out var m) ? [.. m] : [])
            {
                Sweep = rows.IsDBNull(7) ? null : rows.GetString(7),
                SweepIndex = rows.IsDBNull(8) ? null : rows.GetInt32(8),
            });
        return result.ToImmutable();
    }
}
