using System.Globalization;

namespace Tessera.Diagnostics;

/// <summary>
/// A result that breaks a physical invariant (NaN, infinity, negative energy or time): a bug in Tessera, never the
/// user's input. The command line prints it as an internal error and exits with code 3 instead of printing the result.
/// </summary>
public sealed class InvariantViolationException : Exception
{
    public InvariantViolationException(string message) : base(message) { }

    public InvariantViolationException(string message, Exception inner) : base(message, inner) { }

    public InvariantViolationException() { }

    /// <summary>The value when it is finite and ≥ 0; otherwise throws naming the quantity.</summary>
    public static double NonNegative(double value, string what) =>
        double.IsFinite(value) && value >= 0 ? value
            : throw new InvariantViolationException($"{what} is {value.ToString(CultureInfo.InvariantCulture)}; every result must be finite and ≥ 0");
}
