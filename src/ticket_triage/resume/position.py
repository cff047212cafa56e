"""Where in training a backup was taken, and what a resumed run still has to do."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Position:
    """The next batch to train: ``batch`` of ``epoch`` (both from 0).

    ``finished`` marks training that has ended (last epoch done, or early stopping); a run
    resumed there trains no more and goes straight to the end of training.

    Example:
        >>> [(start.epoch, start.batch, end) for start, end in Position(2, 40).segments(5)]
        [(2, 40, 3), (3, 0, 5)]
    """

    epoch: int = 0
    batch: int = 0
    finished: bool = False

    def first_batch(self, epoch):
        """The first batch to train in ``epoch``: the consumed ones of the resumed epoch skipped."""
        return self.batch if epoch == self.epoch else 0

    def tickets_before(self, epoch_tickets, batch_size):
        """A function: epochs ended in all -> tickets trained from here on (none before it).

        Example:
            >>> Position(2, 10).tickets_before(1000, 50)(5)  # epochs 3-5, less 10 batches
            2500
        """

        def trained(epochs):
            if self.finished or epochs <= self.epoch:
                return 0
            return (epochs - self.epoch) * epoch_tickets - min(
                self.batch * batch_size, epoch_tickets
            )

        return trained

    def remaining_epochs(self, epochs):
        """The epochs still to train (the resumed one included), out of ``epochs``."""
        return range(self.epoch, self.epoch if self.finished else max(epochs, self.epoch))

    def segments(self, epochs):
        """``(start, end_epoch)`` pieces for ``fit()``, which starts every epoch at batch 0.

        A resumed epoch that is partly done is a piece of its own (``steps_per_epoch`` is
        shorter there); the remaining whole epochs are another.
        """
        if self.finished or self.epoch >= epochs:
            return []
        if self.batch == 0:
            return [(self, epochs)]
        rest = [(Position(self.epoch + 1), epochs)] if self.epoch + 1 < epochs else []
        return [(self, self.epoch + 1), *rest]
