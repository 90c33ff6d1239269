using Microsoft.Data.Sqlite;

namespace Tessera.Chiplets;

/// <summary>
/// Operator profiles on disk (SQLite): one row per (candidate key, operator key, cost-model version), so a second
/// profiling run reads instead of searching mappings. Keys are value hashes (see <see cref="OperatorProfiler.Key"/>),
/// so a changed candidate or operator never reads a stale row.
/// </summary>
public sealed class ProfileCache
{
    /// <summary>The default location under the current directory.</summary>
    public static string DefaultPath => System.IO.Path.Combine(Directory.GetCurrentDirectory(), ".tessera-cache", "profiles.db");

    private static readonly string[] ParameterNames = ["$c", "$o", "$v", "$f", "$cy", "$cp", "$on", "$off", "$b"];
    private readonly string _connection;

    public string Path { get; }

    public ProfileCache(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        if (System.IO.Path.GetDirectoryName(Path) is { Length: > 0 } directory) Directory.CreateDirectory(directory);
        // No pooling: the file is released when a run ends, so tests can delete their temporary directory.
        _connection = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString();
        using var db = Open();
        using var create = db.CreateCommand();
        create.CommandText = """
            CREATE TABLE IF NOT EXISTS profiles (
                candidate TEXT NOT NULL, operator TEXT NOT NULL, version TEXT NOT NULL,
                feasible INTEGER NOT NULL, cycles REAL NOT NULL, compute_pj REAL NOT NULL, on_chip_pj REAL NOT NULL,
                off_chip_pj REAL NOT NULL, off_chip_bytes REAL NOT NULL,
                PRIMARY KEY (candidate, operator, version))
            """;
        create.ExecuteNonQuery();
    }

    private SqliteConnection Open()
    {
        var db = new SqliteConnection(_connection);
        db.Open();
        return db;
    }

    /// <summary>Every profile of a cost-model version, by (candidate key, operator key).</summary>
    public Dictionary<(string Candidate, string Operator), OperatorProfile> Load(string version)
    {
        using var db = Open();
        using var select = db.CreateCommand();
        select.CommandText = "SELECT candidate, operator, feasible, cycles, compute_pj, on_chip_pj, off_chip_pj, off_chip_bytes FROM profiles WHERE version = $v";
        select.Parameters.AddWithValue("$v", version);
        var result = new Dictionary<(string, string), OperatorProfile>();
        using var reader = select.ExecuteReader();
        while (reader.Read())
            result[(reader.GetString(0), reader.GetString(1))] = new OperatorProfile(reader.GetInt64(2) != 0,
                reader.GetDouble(3), reader.GetDouble(4), reader.GetDouble(5), reader.GetDouble(6), reader.GetDouble(7));
        return result;
    }

    /// <summary>Stores profiles in one transaction (a row already there is replaced).</summary>
    public void Store(string version, IEnumerable<(string Candidate, string Operator, OperatorProfile Profile)> rows)
    {
        using var db = Open();
        using var transaction = db.BeginTransaction();
        using var insert = db.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT OR REPLACE INTO profiles VALUES ($c, $o, $v, $f, $cy, $cp, $on, $off, $b)
            """;
        var parameters = ParameterNames.Select(n => insert.Parameters.Add(n, SqliteType.Text)).ToArray();
        foreach (var (candidate, op, p) in rows)
        {
            object[] values = [candidate, op, version, p.Feasible ? 1L : 0L, p.Cycles, p.ComputePj, p.OnChipPj, p.OffChipPj, p.OffChipBytes];
            for (var i = 0; i < values.Length; i++) parameters[i].Value = values[i];
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
    }
}
