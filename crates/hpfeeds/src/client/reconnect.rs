//! Reconnect pacing: exponential backoff with jitter, so a fleet of sensors does not hammer a broker that just
//! came back, and a refused login is retried slowly rather than in a tight loop.

use std::time::Duration;

use rand::Rng;

/// Exponential backoff with "equal jitter": each delay is drawn uniformly from the upper half of the current step,
/// and the step doubles after every draw, up to the maximum.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    step: Duration,
}

impl Backoff {
    /// Starts at `min` and never exceeds `max` (`max` is raised to `min` if smaller).
    pub fn new(min: Duration, max: Duration) -> Self {
        Backoff {
            min,
            max: max.max(min),
            step: min,
        }
    }

    /// The delay before the next attempt, in `[step / 2, step]`; then doubles the step.
    pub fn next_delay(&mut self, rng: &mut impl Rng) -> Duration {
        let step = self.step;
        self.step = (step * 2).min(self.max);
        let hi = step.as_nanos().min(u64::MAX as u128) as u64;
        Duration::from_nanos(rng.random_range(hi / 2..=hi))
    }

    /// Back to `min`, after a connection proved healthy.
    pub fn reset(&mut self) {
        self.step = self.min;
    }

    /// The step the next delay is drawn from.
    pub fn current_step(&self) -> Duration {
        self.step
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn grows_doubling_with_jitter_up_to_the_cap_and_resets() {
        let min = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        let mut b = Backoff::new(min, max);
        let mut rng = StdRng::seed_from_u64(7);
        let mut steps = Vec::new();
        for _ in 0..8 {
            let step = b.current_step();
            let d = b.next_delay(&mut rng);
            assert!(d >= step / 2 && d <= step, "{d:?} outside [{:?}, {step:?}]", step / 2);
            steps.push(step.as_millis());
        }
        assert_eq!(steps, [100, 200, 400, 800, 1600, 2000, 2000, 2000]);
        b.reset();
        assert_eq!(b.current_step(), min);
    }

    #[test]
    fn jitter_spreads_delays() {
        let mut rng = StdRng::seed_from_u64(1);
        let delays: std::collections::BTreeSet<Duration> = (0..20)
            .map(|_| Backoff::new(Duration::from_secs(1), Duration::from_secs(1)).next_delay(&mut rng))
            .collect();
        assert!(
            delays.len() > 10,
            "twenty draws gave only {} distinct delays",
            delays.len()
        );
    }
}
