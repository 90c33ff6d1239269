namespace Tessera.Scoring;

/// <summary>Unit conversions, defined once: energy is reported in joules, costed in picojoules; data in bytes and bits.</summary>
public static class Units
{
    public const double BitsPerByte = 8;

    /// <summary>Joules per picojoule (cost models count pJ; results report J).</summary>
    public const double JoulesPerPicojoule = 1e-12;

    /// <summary>Milli-units per unit (ms per s, mJ per J) for tables.</summary>
    public const double MilliPerUnit = 1e3;

    /// <summary>Picojoules to joules.</summary>
    public static double Joules(double picojoules) => picojoules * JoulesPerPicojoule;
}
