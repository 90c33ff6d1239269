using System.Collections.Immutable;
using Microsoft.Data.Sqlite;
using Tessera.Diagnostics;
using Tessera.Reports;

namespace Tessera.Tests.Reports;

/// <summary>The result store keeps runs whole: every cell back as written, no half-written run, foreign files untouched.</summary>
public sealed class ResultStoreTests
{
    private static string NewPath() => Path.Combine(Path.GetTempPath(), $"tessera-store-{Guid.NewGuid():N}.db");

    private static Manifest Manifest(int? seed = 1) => Tessera.Reports.Manifest.Create(["tessera", "run"], [], "loopnest-test", seed);

    private static ResultTable Table(int rows) => new("models", "caption", [new("model", ValueKind.Text), new("latency", ValueKind.Seconds), new("energy", ValueKind.Joules)],
        [.. Enumerable.Range(0, rows).Select(i => ImmutableArray.Create<ResultValue>($"m{i}", 1e-3 * (i + 1), i == 0 ? double.NaN : 0.5 * i))], ["a note"]);

    private static StoredRun Run(string name, params ResultTable[] tables) =>
        new("run", name, "p1", true, [new("latency", 2e-3, ValueKind.Seconds), new("energy", 0.25, ValueKind.Joules)], [.. tables]);

    private static long Count(string path, string table)
    {
        using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        using var c = db.CreateCommand();
        c.CommandText = $"SELECT count(*) FROM {table}";
        return (long)c.ExecuteScalar()!;
    }

    [Fact]
    public void A_run_comes_back_with_its_manifest_metrics_and_every_cell()
    {
        var path = NewPath();
        var store = new ResultStore(path);
        Assert.Empty(store.List());
        Assert.False(File.Exists(path));
        var manifest = Manifest();
        long first = store.Append(manifest, Run("a", Table(3)));
        long second = store.Append(manifest, Run("b", Table(1), Table(2)));
        Assert.Equal([first, second], store.List().Select(r => r.Id));
        var (run, tables) = store.Show(second);
        Assert.Equal(("run", "b", "p1", true), (run.Kind, run.Name, run.Point, run.Feasible));
        Assert.Equal(manifest.CommandLine.ToArray(), run.Manifest.CommandLine.ToArray());
        Assert.Equal(manifest.TechnologySha256, run.Manifest.TechnologySha256);
        Assert.Equal([("latency", 2e-3), ("energy", 0.25)], run.Metrics.Select(m => (m.Name, m.Value)));
        Assert.Equal(2, tables.Length);
        var written = Table(2);
        Assert.Equal(written.Columns.ToArray(), tables[1].Columns.ToArray());
        Assert.Equal(["a note"], tables[1].Notes.ToArray());
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 3; c++)
            {
                var (a, b) = (written.Rows[r][c], tables[1].Rows[r][c]);
                Assert.Equal(a.Text, b.Text);
                Assert.True(a.Number.Equals(b.Number), $"row {r} column {c}: {a.Number} written, {b.Number} read");
            }
        Assert.Throws<TesseraInputException>(() => store.Show(99));
    }

    [Fact]
    public void A_write_that_fails_inside_its_transaction_leaves_the_previous_runs_intact()
    {
        var path = NewPath();
        var store = new ResultStore(path);
        store.Append(Manifest(), Run("kept", Table(4)));
        long cells = Count(path, "cells");
        // The second table's last row is one cell too wide: the run row, its metrics and the first table's cells are
        // already inserted when the append fails.
        var bad = Table(2) with { Rows = [.. Table(2).Rows, [(ResultValue)"m9", 1, 2, 3]] };
        Assert.Throws<ArgumentException>(() => store.Append(Manifest(), Run("half", Table(5), bad)));
        Assert.Equal(["kept"], new ResultStore(path).List().Select(r => r.Name));
        Assert.Equal(cells, Count(path, "cells"));
        Assert.Equal(2, Count(path, "metrics"));
        Assert.Equal(4, store.Show(1).Tables[0].Rows.Length);
        Assert.Equal(2, store.Append(Manifest(), Run("after", Table(1))));
    }

    [Fact]
    public void A_writer_killed_mid_transaction_leaves_a_store_with_only_the_runs_before()
    {
        var path = NewPath();
        new ResultStore(path).Append(Manifest(), Run("kept", Table(4)));
        long cells = Count(path, "cells");
        var before = File.ReadAllBytes(path);
        var crashed = NewPath();
        using (var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            db.Open();
            using (var small = db.CreateCommand())
            {
                // A one-page cache spills the transaction's pages into the file before it commits, as a long append would.
                small.CommandText = "PRAGMA cache_size = 1";
                small.ExecuteNonQuery();
            }
            using var transaction = db.BeginTransaction();
            using var insert = db.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO runs (point, kind, name, feasible, date_utc, version, command_line, manifest) VALUES ('p', 'run', 'half', 1, 'd', 'v', 'c', '{}');" +
                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) " +
                "INSERT INTO cells SELECT last_insert_rowid(), 0, i, 0, i, 'a cell written before the kill' FROM n";
            insert.ExecuteNonQuery();
            // The files as a kill at this instant leaves them: the database with spilled pages, and its hot journal.
            Assert.True(File.Exists(path + "-journal"));
            File.Copy(path, crashed);
            File.Copy(path + "-journal", crashed + "-journal");
        }
        Assert.NotEqual(before, File.ReadAllBytes(crashed));
        var store = new ResultStore(crashed);
        Assert.Equal(["kept"], store.List().Select(r => r.Name));
        Assert.Equal(cells, Count(crashed, "cells"));
        Assert.Equal(2, store.Append(Manifest(), Run("after", Table(1))));
    }

    [Fact]
    public void A_file_that_is_not_a_tessera_store_is_refused_and_left_as_it_was()
    {
        var text = NewPath();
        File.WriteAllText(text, "not a database");
        var e = Assert.Throws<TesseraInputException>(() => new ResultStore(text));
        Assert.Contains("not a Tessera result store", e.Message, StringComparison.Ordinal);
        Assert.Equal("not a database", File.ReadAllText(text));

        var other = NewPath();
        using (var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = other, Pooling = false }.ToString()))
        {
            db.Open();
            using var c = db.CreateCommand();
            c.CommandText = "CREATE TABLE runs (x INTEGER); INSERT INTO runs VALUES (7)";
            c.ExecuteNonQuery();
        }
        var bytes = File.ReadAllBytes(other);
        Assert.Contains("not a Tessera result store", Assert.Throws<TesseraInputException>(() => new ResultStore(other)).Message, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(other));
    }

    [Fact]
    public void A_store_from_a_newer_schema_is_refused()
    {
        var path = NewPath();
        new ResultStore(path).Append(Manifest(), Run("a", Table(1)));
        using (var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            db.Open();
            using var c = db.CreateCommand();
            c.CommandText = $"PRAGMA user_version = {ResultStore.SchemaVersion + 1}";
            c.ExecuteNonQuery();
        }
        var bytes = File.ReadAllBytes(path);
        Assert.Contains("newer", Assert.Throws<TesseraInputException>(() => new ResultStore(path)).Message, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_point_id_follows_what_is_computed()
    {
        var m = Manifest(seed: 1);
        Assert.Equal(StoredRun.PointOf(m, ["run", "a.yaml"]), StoredRun.PointOf(Manifest(seed: 1), ["run", "a.yaml"]));
        Assert.NotEqual(StoredRun.PointOf(m, ["run", "a.yaml"]), StoredRun.PointOf(Manifest(seed: 2), ["run", "a.yaml"]));
        Assert.NotEqual(StoredRun.PointOf(m, ["run", "a.yaml"]), StoredRun.PointOf(m, ["run", "a.yaml", "--scheduler", "ga"]));
        Assert.NotEqual(StoredRun.PointOf(m, ["run", "a.yaml"]), StoredRun.PointOf(m with { Inputs = [new("a.yaml", "00")] }, ["run", "a.yaml"]));
    }
}
