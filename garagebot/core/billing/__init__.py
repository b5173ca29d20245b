"""Billing: quotes and their versions, invoices and credit notes, payments,
deposits and credit, fleet accounts, the cashbook.

Services take a ``UnitOfWork`` first; queries take a session and a garage id.
Amounts are ``garagebot.core.money.Money``, rounded half-up at each line's
net, each line's tax and each total.
"""
