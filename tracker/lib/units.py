"""Units the whole app shares: aldesleukin amounts are stored in IU and shown in MIU."""

from decimal import Decimal

IU_PER_MIU = Decimal(1_000_000)
