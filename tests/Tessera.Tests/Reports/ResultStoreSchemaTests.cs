using Microsoft.Data.Sqlite;
using Tessera.Diagnostics;
using Tessera.Reports;

namespace Tessera.Tests.Reports;

/// <summary>Schema 2 (a run's sweep and position): schema-1 stores are read as they are and upgraded by the first append; one sweep per store.</summary>
public sealed class ResultStoreSchemaTests
{
    private static string NewPath() => Path.Combine(Path.GetTempPath(), $"tessera-store-{Guid.NewGuid():N}.db");

    private static Manifest Manifest() => Tessera.Reports.Manifest.Create(["tessera", "sweep"], [], "loopnest-test", 1);

    private static StoredRun Run(string point, string? sweep = null, int? index = null) =>
        new("sweep", point, point, true, [new("latency", 2e-3, ValueKind.Seconds)], []) { Sweep = sweep, SweepIndex = index };

    private static void Execute(string path, string sql)
    {
        using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        using var c = db.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }

    [Fact]
    public void A_schema_1_store_is_read_unchanged_and_upgraded_by_the_next_append()
    {
        var path = NewPath();
        new ResultStore(path).Append(Manifest(), Run("old"));
        // Schema 1 as it was written: no sweep columns.
        Execute(path, "ALTER TABLE runs DROP COLUMN sweep; ALTER TABLE runs DROP COLUMN sweep_index; PRAGMA user_version = 1");
        var bytes = File.ReadAllBytes(path);
        var store = new ResultStore(path);
        Assert.Equal(["old"], store.List().Select(r => r.Point));
        Assert.Null(store.List()[0].Sweep);
        Assert.Null(store.Sweep());
        Assert.Equal(bytes, File.ReadAllBytes(path));

        store.Append(Manifest(), Run("new", "s1", 0));
        Assert.Equal([("old", null), ("new", "s1")], store.List().Select(r => (r.Point, r.Sweep)));
        Assert.Equal(0, store.List()[1].SweepIndex);
        Assert.Equal("s1", store.Sweep());
    }

    [Fact]
    public void A_store_takes_the_points_of_one_sweep()
    {
        var store = new ResultStore(NewPath());
        store.Append(Manifest(), Run("a", "s1", 0));
        store.Append(Manifest(), Run("b", "s1", 1));
        store.Append(Manifest(), Run("plain"));
        Assert.Equal(["a", "b"], store.PointsOf("s1").Order());
        Assert.Empty(store.PointsOf("s2"));
        var e = Assert.Throws<TesseraInputException>(() => store.Append(Manifest(), Run("c", "s2", 0)));
        Assert.Contains("holds the points of sweep s1", e.Message, StringComparison.Ordinal);
        Assert.Throws<TesseraInputException>(() => store.CheckSweep("s2"));
        Assert.Equal(3, store.List().Length);
    }
}
